using System;
using System.Globalization;
using System.Text;
using CrmMigration.Engine.Util;

namespace CrmMigration.Engine.Batches
{
    /// <summary>Typed cells from UTF-8 text, with the meaning <see cref="CrmValues.Parse"/> gives the same text as a string.</summary>
    internal static class BatchValues
    {
        /// <summary>
        /// Parses invariant text into a cell of the given type: integers and doubles straight from the bytes, the rest through
        /// <see cref="CrmValues.Parse"/>. Empty text is null (String excepted). Throws FormatException as Parse does.
        /// </summary>
        public static void ParseInto(BatchColumn column, int row, ReadOnlySpan<byte> utf8, CrmFieldType type)
        {
            if (type == CrmFieldType.String)
            {
                column.SetText(row, utf8);
                return;
            }
            if (utf8.Length == 0)
            {
                column.SetNull(row);
                return;
            }
            switch (type)
            {
                case CrmFieldType.Integer:
                    if (long.TryParse(utf8, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l)) { column.SetInt64(row, l); return; }
                    break;
                case CrmFieldType.Double:
                    if (double.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) { column.SetDouble(row, d); return; }
                    break;
            }
            column.SetValue(row, CrmValues.Parse(Encoding.UTF8.GetString(utf8), type));
        }
    }
}
