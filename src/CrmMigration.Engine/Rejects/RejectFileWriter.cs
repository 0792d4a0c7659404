using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;

namespace CrmMigration.Engine.Rejects
{
    /// <summary>
    /// Writes rejected records to a folder, one CSV per source entity (&lt;entity&gt;.csv), with the record's
    /// original fields followed by RejectReason (the first error id) and RejectMessage (every problem).
    /// It writes through the CSV provider, so the files are UTF-8 with a BOM, formula-escaped, come with the
    /// provider's type sidecar, and can be read back with Export-CrmData, fixed and converted again.
    /// </summary>
    public sealed class RejectFileWriter : IDisposable
    {
        private readonly CsvProvider _provider;
        private readonly Dictionary<string, ICrmEntityWriter> _writers = new(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, long> _counts = new(StringComparer.OrdinalIgnoreCase);
        private readonly CrmRecord[] _one = new CrmRecord[1];
        private readonly List<CrmRecordOutcome> _outcomes = new(1);
        private bool _completed;

        /// <summary>The columns the reject files add to each record: notes, never target columns (marked so in the sidecar).</summary>
        public static readonly IReadOnlyList<string> Annotations = new[] { "RejectReason", "RejectMessage" };

        /// <summary>Opens (and creates) the reject folder.</summary>
        public RejectFileWriter(string folder)
        {
            Folder = Path.GetFullPath(folder);
            if (File.Exists(Folder))
            {
                throw new CrmException(new CrmDataError("RejectPathNotFolder", CrmErrorKind.InvalidArgument, $"-RejectPath '{Folder}' is a file; give a folder (it is created when missing).") { File = Folder });
            }
            Directory.CreateDirectory(Folder);
            _provider = new CsvProvider(new CrmConnection(CrmProviderKind.Csv, Folder));
        }

        /// <summary>The folder written to.</summary>
        public string Folder { get; }

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
                writer = _provider.OpenWriter(entity, new CrmWriteOptions { Mode = CrmWriteMode.Insert, CreateIfMissing = true, AnnotationFields = Annotations });
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
            _provider.Dispose();
        }
    }
}
