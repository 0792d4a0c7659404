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
                    // A ledger in PostgreSQL as printed (never its password); paths as full paths, so a report made later from elsewhere still finds the reject folder.
                    string state when kv.Key == "StatePath" && CrmMigration.Engine.Ledger.LedgerLocation.IsConnectionString(state) => CrmMigration.Engine.Ledger.LedgerLocation.Parse(state, ResolvePath).Display,
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

        /// <summary>The ledger of a target: -StatePath, else the default (a server's in the user's state folder); warns of a ledger found where earlier versions kept it.</summary>
        internal CrmMigration.Engine.Ledger.LedgerLocation LedgerLocationOf(object? statePath, CrmConnection target)
        {
            var location = LedgerLocator.Locate(statePath, target, ResolvePath, out string? note);
            if (note is not null) WriteWarning(note);
            return location;
        }

        /// <summary>
        /// The DuplicateKey digest (one error per entity with a count and examples), or null when the user asks for every
        /// record: -PassThru, or an error action of Stop or Inquire (-ErrorAction or $ErrorActionPreference).
        /// </summary>
        protected CrmMigration.Engine.Import.DuplicateKeyDigest? NewDuplicateKeyDigest(bool passThru)
        {
            if (passThru) return null;
            object? action = MyInvocation.BoundParameters.TryGetValue("ErrorAction", out object? given) ? given : GetVariableValue("ErrorActionPreference");
            if (action is PSObject pso) action = pso.BaseObject;
            string text = action?.ToString() ?? "";
            if (string.Equals(text, "Stop", StringComparison.OrdinalIgnoreCase) || string.Equals(text, "Inquire", StringComparison.OrdinalIgnoreCase)) return null;
            return new CrmMigration.Engine.Import.DuplicateKeyDigest();
        }

        /// <summary>Writes the digest's one error per entity.</summary>
        protected void WriteDuplicateKeyDigest(CrmMigration.Engine.Import.DuplicateKeyDigest? digest, string target)
        {
            if (digest is null) return;
            foreach (var e in digest.Summaries(target)) WriteCrmError(e, e.Record);
        }

        /// <summary>File targets (CSV, Excel, CRM import files) are written whole, so they are always created; databases only with -Create.</summary>
        protected static bool IsFileTarget(CrmConnection target) => target.Provider is not (CrmProviderKind.Sqlite or CrmProviderKind.PostgreSql or CrmProviderKind.MySql);

        /// <summary>
        /// A schema statement the import runs or, under -WhatIf, would run: -WhatIf prints it as a "What if" line, a real
        /// run writes it to the verbose stream.
        /// </summary>
        protected void ReportSchema(CrmMigration.Engine.Schema.SchemaStatement statement)
        {
            if (IsWhatIf) ShouldProcess(statement.Entity, statement.Sql);
            else WriteVerbose(statement.Sql);
        }

        /// <summary>Whether this command only plans (-WhatIf or $WhatIfPreference).</summary>
        protected virtual bool IsWhatIf => false;

        /// <summary>
        /// Schema steps after the data that failed (a constraint the database would not create): one non-terminating error
        /// each; a foreign key kept although the data breaks it (SQLite) is a warning.
        /// </summary>
        protected void WriteSchemaErrors(IEnumerable<CrmDataError> errors)
        {
            foreach (var e in errors)
            {
                if (e.Severity == CrmErrorSeverity.Warning) WriteWarning($"{e.Entity}: {e.Message}");
                else WriteCrmError(e, e.Entity);
            }
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
