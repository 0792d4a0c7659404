using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;

namespace CrmMigration.Engine.Rejects
{
    /// <summary>
    /// Writes rejected records, one CSV per source entity (&lt;entity&gt;.csv), with the record's original fields
    /// followed by RejectReason (the first error id) and RejectMessage (every problem). Each run owns its folder,
    /// &lt;root&gt;/&lt;run&gt; (the ledger's run id, or a new time-stamped name), so the files of an earlier run never
    /// mix with this one's; the folder is made with the first rejected record, so a run without rejects leaves
    /// no empty folder. A resumed run that finds its folder from an earlier attempt writes to &lt;run&gt;-2, -3, ...
    /// It writes through the CSV provider, so the files are UTF-8 with a BOM, formula-escaped (files for people),
    /// come with the provider's type sidecar, and can be read back with Export-CrmData, fixed and converted again.
    /// </summary>
    public sealed class RejectFileWriter : IDisposable
    {
        private CsvProvider? _provider;
        private string _run;
        private readonly Dictionary<string, ICrmEntityWriter> _writers = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, long> _counts = new(StringComparer.OrdinalIgnoreCase);
        private readonly CrmRecord[] _one = new CrmRecord[1];
        private readonly List<CrmRecordOutcome> _outcomes = new(1);
        private bool _completed;

        /// <summary>The columns the reject files add to each record: notes, never target columns (marked so in the sidecar).</summary>
        public static readonly IReadOnlyList<string> Annotations = new[] { "RejectReason", "RejectMessage" };

        /// <summary>Prepares the reject files of one run under <paramref name="root"/> (nothing is created until a record is rejected).</summary>
        public RejectFileWriter(string root, string? run = null)
        {
            Root = Path.GetFullPath(root);
            if (File.Exists(Root))
            {
                throw new CrmException(new CrmDataError("RejectPathNotFolder", CrmErrorKind.InvalidArgument, $"-RejectPath '{Root}' is a file; give a folder (it is created when a record is rejected).") { File = Root });
            }
            _run = run ?? NewRunName();
        }

        /// <summary>A run folder name for a command without a ledger run: the UTC time and a random suffix, as ledger run ids are made.</summary>
        public static string NewRunName() =>
            DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);

        /// <summary>The folder -RejectPath named, holding one folder per run.</summary>
        public string Root { get; }

        /// <summary>The run's folder name; may be set (to the ledger's run id) until the first record is written.</summary>
        public string Run
        {
            get => _run;
            set
            {
                if (_provider is not null) throw new InvalidOperationException("The reject folder is already in use.");
                _run = value;
            }
        }

        /// <summary>The run's folder (made with the first rejected record).</summary>
        public string Folder => _folder ?? Path.Combine(Root, _run);

        private string? _folder;

        private CsvProvider Provider()
        {
            if (_provider is not null) return _provider;
            string folder = Path.Combine(Root, _run);
            for (int n = 2; Directory.Exists(folder); n++) folder = Path.Combine(Root, _run + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(folder);
            _folder = folder;
            return _provider = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, folder));
        }

        /// <summary>Rejected records written, per entity.</summary>
        public IReadOnlyDictionary<string, long> Counts => _counts;

        /// <summary>Rejected records written in all.</summary>
        public long Total
        {
            get { long n = 0; foreach (var c in _counts.Values) n += c; return n; }
        }

        /// <summary>Writes one rejected record with its problems. Returns false when the CSV writer refused it (a field the file's columns lack).</summary>
        public bool Write(CrmRecord input, IReadOnlyList<CrmDataError> errors)
        {
            if (_completed) throw new InvalidOperationException("The reject files are already complete.");
            string entity = input.Entity;
            if (!_writers.TryGetValue(entity, out var writer))
            {
                writer = Provider().OpenWriter(entity, new CrmWriteOptions { Mode = CrmWriteMode.Insert, CreateIfMissing = true, FormulaEscape = CrmFormulaEscape.Spreadsheet, AnnotationFields = Annotations });
                _writers[entity] = writer;
                _counts[entity] = 0;
            }
            var row = input.Clone();
            row.Changes = null;
            row.Set("RejectReason", errors.Count > 0 ? errors[0].Code : "");
            var message = new StringBuilder();
            for (int i = 0; i < errors.Count; i++)
            {
                if (i > 0) message.Append(" | ");
                message.Append(errors[i].Code).Append(": ").Append(errors[i].FullMessage);
            }
            row.Set("RejectMessage", message.ToString());
            _one[0] = row;
            _outcomes.Clear();
            writer.WriteBatch(_one, _outcomes);
            bool ok = _outcomes.Count == 1 && _outcomes[0].Outcome != CrmOutcome.Rejected;
            if (ok) _counts[entity]++;
            return ok;
        }

        /// <summary>Closes the files and moves them into place.</summary>
        public void Complete()
        {
            if (_completed) return;
            _completed = true;
            foreach (var w in _writers.Values) w.Complete();
        }

        /// <inheritdoc/>
        public void Dispose()
        {
            foreach (var w in _writers.Values) w.Dispose();
            _writers.Clear();
            _provider?.Dispose();
        }
    }
}
