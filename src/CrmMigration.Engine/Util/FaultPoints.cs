using System;
using System.Diagnostics;
using System.Globalization;

namespace CrmMigration.Engine.Util
{
    /// <summary>
    /// Crash points for the crash-recovery tests: with CRMMIGRATION_FAULT=&lt;point&gt;:&lt;batch&gt; in the
    /// environment, the process kills itself (SIGKILL on Linux, as kill -9 would) when it reaches that point
    /// in that batch. Unset, it costs one comparison per batch. Points: before-target, mid-batch,
    /// after-target (target committed, ledger not yet), after-ledger; for an undo (counting batches of before-images put back) undo-target and undo-ledger. CRMMIGRATION_PAUSE=&lt;point&gt;:&lt;batch&gt;:&lt;ms&gt;
    /// makes the process wait there instead (a slow run, for the tests of two processes on one run).
    /// </summary>
    public static class FaultPoints
    {
        private static readonly (string Point, int Batch)? Armed = Parse(Environment.GetEnvironmentVariable("CRMMIGRATION_FAULT"));
        private static readonly (string Point, int Batch, int Ms)? Pause = ParsePause(Environment.GetEnvironmentVariable("CRMMIGRATION_PAUSE"));

        public static void Hit(string point, int batch)
        {
            if (Pause is { } p && p.Batch == batch && string.Equals(p.Point, point, StringComparison.Ordinal)) System.Threading.Thread.Sleep(p.Ms);
            if (Armed is { } a && a.Batch == batch && string.Equals(a.Point, point, StringComparison.Ordinal))
            {
                Console.Error.Flush();
                Process.GetCurrentProcess().Kill();
            }
        }

        private static (string, int, int)? ParsePause(string? text)
        {
            if (string.IsNullOrEmpty(text)) return null;
            int colon = text.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out int ms)) return null;
            return Parse(text.Substring(0, colon)) is var (point, batch) ? (point, batch, ms) : null;
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
