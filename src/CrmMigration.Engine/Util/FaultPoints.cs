using System;
using System.Diagnostics;
using System.Globalization;

namespace CrmMigration.Engine.Util
{
    /// <summary>
    /// Crash points for the crash-recovery tests: with CRMMIGRATION_FAULT=&lt;point&gt;:&lt;batch&gt; in the
    /// environment, the process kills itself (SIGKILL on Linux, as kill -9 would) when it reaches that point
    /// in that batch. Unset, it costs one comparison per batch. Points: before-target, mid-batch,
    /// after-target (target committed, ledger not yet), after-ledger.
    /// </summary>
    public static class FaultPoints
    {
        private static readonly (string Point, int Batch)? Armed = Parse(Environment.GetEnvironmentVariable("CRMMIGRATION_FAULT"));

        public static void Hit(string point, int batch)
        {
            if (Armed is { } a && a.Batch == batch && string.Equals(a.Point, point, StringComparison.Ordinal))
            {
                Console.Error.Flush();
                Process.GetCurrentProcess().Kill();
            }
        }

        private static (string, int)? Parse(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            int colon = text.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int batch)) return null;
            return (text.Substring(0, colon), batch);
        }
    }
}
