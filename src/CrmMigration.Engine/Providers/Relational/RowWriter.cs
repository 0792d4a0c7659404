using System;
using CrmMigration.Engine.Batches;

namespace CrmMigration.Engine.Providers.Relational
{
    /// <summary>What the writers of rows share about cells.</summary>
    internal static class RowCells
    {
        /// <summary>
        /// Text that is an integer in its one plain spelling (an optional '-', then 1 to 18 digits without a leading zero, or "0"),
        /// which every integer parse reads alike: the value.
        /// </summary>
        public static bool PlainInteger(ReadOnlySpan<byte> utf8, out long value)
        {
            value = 0;
            int i = utf8.Length > 0 && utf8[0] == (byte)'-' ? 1 : 0;
            int digits = utf8.Length - i;
            if (digits < 1 || digits > 18 || (utf8[i] == (byte)'0' && (digits > 1 || i == 1))) return false;
            long v = 0;
            for (; i < utf8.Length; i++)
            {
                int d = utf8[i] - '0';
                if ((uint)d > 9) return false;
                v = v * 10 + d;
            }
            value = utf8[0] == (byte)'-' ? -v : v;
            return true;
        }
    }
}
