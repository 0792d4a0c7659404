using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>What the cmdlets that read, write or record a migration share: filters, ledger switches, books.</summary>
    public abstract partial class CrmCmdlet
    {
        /// <summary>The module's version as the ledger records it.</summary>
        protected static string ModuleVersion => typeof(CrmCmdlet).Assembly.GetName().Version?.ToString(3) ?? "";

        /// <summary>A -Filter hashtable as field filters (field = value, compared by the provider).</summary>
        protected static IReadOnlyList<CrmFieldFilter> FieldFilters(IDictionary? filter)
        {
            var list = new List<CrmFieldFilter>();
            if (filter is null) return list;
            foreach (DictionaryEntry e in filter)
            {
                object? value = e.Value is PSObject p ? p.BaseObject : e.Value;
                list.Add(new CrmFieldFilter(e.Key?.ToString() ?? "", value));
            }
            return list;
        }

        /// <summary>Stops before anything is opened when -Resume or -RunId is given with -NoLedger.</summary>
        protected void RequireLedgerFor(bool noLedger, bool resume, string? runId)
        {
            if (noLedger && (resume || runId is not null))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Resume and -RunId need the ledger; remove -NoLedger."), "ResumeNeedsLedger", ErrorCategory.InvalidArgument, null));
            }
        }

        /// <summary>
        /// The parameters as the user gave them, for the ledger: connections by their display name (never a
        /// secret), paths resolved to full paths, a mapping table by its kind, arrays joined; <paramref name="skip"/>
        /// names parameters left out.
        /// </summary>
        protected string LedgerParameters(params string[] skip)
        {
            var parts = new List<string>();
            foreach (var kv in MyInvocation.BoundParameters)
            {
                if (kv.Key == "Credential" || Array.IndexOf(skip, kv.Key) >= 0) continue;
                object? v = kv.Value is PSObject p ? p.BaseObject : kv.Value;
                string? text = v switch
                {
                    // Paths as full paths, so a report made later from elsewhere still finds the reject folder.
                    string path when kv.Key.EndsWith("Path", StringComparison.Ordinal) => ResolvePath(path),
                    CrmConnection c => c.DisplayName,
                    IDictionary => "(table)",
                    string[] a => string.Join(",", a),
                    _ => v?.ToString(),
                };
                parts.Add(kv.Key + "=" + text);
            }
            parts.Sort(StringComparer.Ordinal);
            return string.Join("; ", parts);
        }

        /// <summary>Stops with ImportAccountingMismatch when a summary's books do not balance.</summary>
        protected void RequireBalanced(IEnumerable<CrmImportSummary> summaries)
        {
            foreach (var s in summaries)
            {
                if (s.Balanced) continue;
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(
                    $"The accounting for {s.Entity} does not balance: read {s.Read} != inserted {s.Inserted} + updated {s.Updated} + skipped {s.Skipped} + rejected {s.Rejected} + merged {s.Merged} + filtered {s.Filtered}."),
                    "ImportAccountingMismatch", ErrorCategory.InvalidResult, s));
            }
        }
    }
}
