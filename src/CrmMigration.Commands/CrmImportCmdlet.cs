using System.Management.Automation;
using CrmMigration.Engine.Import;
using CrmMigration.Engine.Ledger;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Rejects;

namespace CrmMigration.Commands
{
    /// <summary>
    /// What the cmdlets that write records into a target share (Import-CrmData, Copy-CrmData): the write mode,
    /// batching, -Create, -PassThru, the migration ledger (-StatePath, -NoLedger, -Resume, -RunId) and reject
    /// files (-RejectPath), declared once, and the objects built from them.
    /// </summary>
    public abstract class CrmImportCmdlet : CrmCmdlet
    {
        /// <summary>Insert (default) or Upsert by key.</summary>
        [Parameter]
        public CrmImportMode Mode { get; set; } = CrmImportMode.Insert;

        /// <summary>Records per batch (one transaction each). Default 1000.</summary>
        [Parameter]
        [ValidateRange(1, 1_000_000)]
        public int BatchSize { get; set; } = 1000;

        /// <summary>Creates target tables that do not exist (file targets are always created).</summary>
        [Parameter]
        public SwitchParameter Create { get; set; }

        /// <summary>Adds columns to existing target tables for fields they lack (otherwise such fields stop the import before anything is written).</summary>
        [Parameter]
        public SwitchParameter AddColumns { get; set; }

        /// <summary>Emit one outcome per record instead of the per-entity summaries.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>
        /// The migration ledger: an SQLite file, or a PostgreSQL database (a connection, a connection string or a postgresql:// address)
        /// that several workers share. Default: next to a file target (&lt;file&gt;.crm-ledger.sqlite, or .crm-ledger.sqlite in a folder
        /// target); a server's in the user's state folder.
        /// </summary>
        [Parameter]
        public object? StatePath { get; set; }

        /// <summary>Run without the migration ledger: no per-record record, no resume, no skipping of unchanged records by fingerprint.</summary>
        [Parameter]
        public SwitchParameter NoLedger { get; set; }

        /// <summary>Continue the newest unfinished run for this target (after a crash or a kill): records it already accounted for are passed over.</summary>
        [Parameter]
        public SwitchParameter Resume { get; set; }

        /// <summary>Start a run with this id, or continue it when the ledger already has it.</summary>
        [Parameter]
        [ValidatePattern("^[A-Za-z0-9._:-]{1,100}$")]
        public string? RunId { get; set; }

        /// <summary>A folder for rejected records: each run writes into its own folder under it (&lt;RejectPath&gt;/&lt;run id&gt;), one &lt;entity&gt;.csv each, with the original fields plus RejectReason and RejectMessage.</summary>
        [Parameter]
        public string? RejectPath { get; set; }

        /// <summary>CSV targets: Spreadsheet escapes text that starts like a formula (= + - @) for people who open the file in Excel (the default); None writes text as it is, for a system that imports the file.</summary>
        [Parameter]
        public CrmFormulaEscape? FormulaEscape { get; set; }

        /// <summary>The target with -FormulaEscape applied (a copy: the user's connection is not changed).</summary>
        protected CrmConnection WithWriteOptions(CrmConnection target)
        {
            if (FormulaEscape is not CrmFormulaEscape escape) return target;
            var copy = target.Clone();
            copy.FormulaEscape = escape;
            return copy;
        }

        /// <summary>The ledger of a run that writes (null with -NoLedger or under -WhatIf, which creates nothing).</summary>
        protected MigrationLedger? OpenLedger(CrmConnection target, bool whatIf)
        {
            RequireLedgerFor(NoLedger.IsPresent, Resume.IsPresent, RunId);
            if (NoLedger.IsPresent || whatIf) return null;
            return MigrationLedger.Open(LedgerLocationOf(StatePath, target));
        }

        /// <summary>The reject folder (null without -RejectPath or under -WhatIf); name its run folder after the ledger run with RejectFileWriter.Run.</summary>
        protected RejectFileWriter? OpenRejects(bool whatIf)
        {
            return RejectPath is null || whatIf ? null : new RejectFileWriter(ResolvePath(RejectPath));
        }

        /// <summary>Errors to the error stream (the record as target object); outcomes to the output with -PassThru.</summary>
        protected OutcomeReporter NewReporter(RejectFileWriter? rejects)
        {
            return new OutcomeReporter(rejects, WriteRefusal, PassThru.IsPresent ? o => WriteObject(o) : null);
        }

        private DuplicateKeyDigest? _duplicates;
        private bool _duplicatesDecided;

        /// <summary>
        /// One refused record's error: DuplicateKey ones are counted into one error per entity (written by
        /// <see cref="WriteDuplicateKeys"/>) unless -PassThru or -ErrorAction Stop asks for each.
        /// </summary>
        protected void WriteRefusal(CrmDataError error)
        {
            if (!_duplicatesDecided)
            {
                _duplicates = NewDuplicateKeyDigest(PassThru.IsPresent);
                _duplicatesDecided = true;
            }
            if (_duplicates is null || !_duplicates.Absorb(error)) WriteCrmError(error, error.Record);
        }

        /// <summary>Writes the DuplicateKey errors counted so far, one per entity.</summary>
        protected void WriteDuplicateKeys(string target) => WriteDuplicateKeyDigest(_duplicates, target);

        /// <summary>The import side's options from the shared parameters.</summary>
        protected ImportOptions NewImportOptions(CrmConnection target, bool whatIf, MigrationLedger? ledger, string parameters)
        {
            return new ImportOptions
            {
                Mode = Mode == CrmImportMode.Upsert ? CrmWriteMode.Upsert : CrmWriteMode.Insert,
                BatchSize = BatchSize,
                CreateIfMissing = Create.IsPresent || IsFileTarget(target),
                AddColumns = AddColumns.IsPresent,
                OnSchema = ReportSchema,
                WhatIf = whatIf,
                Encoding = target.Encoding,
                Ledger = ledger,
                RunId = RunId,
                Resume = Resume.IsPresent,
                Parameters = parameters,
                ModuleVersion = ModuleVersion,
                CancellationToken = CancellationToken,
            };
        }
    }
}
