using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Threading;

namespace CrmMigration.Engine.Providers.Csv
{
    /// <summary>
    /// CSV provider. <see cref="CrmConnection.Location"/> is a folder (one file per entity,
    /// &lt;entity&gt;.csv) or a single .csv/.tsv/.txt file (one entity named after the file). Reading streams
    /// with CsvHelper and reports bad rows without losing good ones (see <see cref="CsvFileReader"/>);
    /// writing goes through a temp file renamed into place (see <see cref="CsvEntityWriter"/>). Types and
    /// keys survive a round trip through the "&lt;file&gt;-metadata.json" sidecar; without one every field is
    /// a String and the key is a column named Id, &lt;entity&gt;Id or &lt;entity&gt;_id (the entity also in the singular), when there is one.
    /// </summary>
    public sealed class CsvProvider : ICrmProvider, Batches.ICrmBatchSource
    {
        /// <summary>Opens a CSV location (nothing is read until asked).</summary>
        public CsvProvider(CrmConnection connection)
        {
            Connection = connection ?? throw new ArgumentNullException(nameof(connection));
        }

        /// <inheritdoc/>
        public CrmConnection Connection { get; }

        /// <inheritdoc/>
        public System.Threading.CancellationToken Cancellation { get; set; }

        private bool IsSingleFile
        {
            get
            {
                string loc = Connection.Location;
                if (Directory.Exists(loc)) return false;
                string ext = Path.GetExtension(loc);
                return ext.Length > 0 && (ext.Equals(".csv", StringComparison.OrdinalIgnoreCase) || ext.Equals(".tsv", StringComparison.OrdinalIgnoreCase) || ext.Equals(".txt", StringComparison.OrdinalIgnoreCase));
            }
        }

        /// <inheritdoc/>
        public IReadOnlyList<string> ListEntities()
        {
            if (IsSingleFile) return File.Exists(Connection.Location) ? new[] { Path.GetFileNameWithoutExtension(Connection.Location) } : Array.Empty<string>();
            if (!Directory.Exists(Connection.Location)) return Array.Empty<string>();
            var list = new List<string>();
            foreach (var f in Directory.EnumerateFiles(Connection.Location, "*.csv")) list.Add(Path.GetFileNameWithoutExtension(f));
            list.Sort(StringComparer.OrdinalIgnoreCase);
            return list;
        }

        /// <summary>The file of an entity, or null when it does not exist.</summary>
        private string? FindFile(string entity)
        {
            if (IsSingleFile)
            {
                return File.Exists(Connection.Location) && string.Equals(Path.GetFileNameWithoutExtension(Connection.Location), entity, StringComparison.OrdinalIgnoreCase)
                    ? Connection.Location : null;
            }
            if (!Directory.Exists(Connection.Location)) return null;
            string exact = Path.Combine(Connection.Location, entity + ".csv");
            if (File.Exists(exact)) return exact;
            foreach (var f in Directory.EnumerateFiles(Connection.Location, "*.csv"))
            {
                if (string.Equals(Path.GetFileNameWithoutExtension(f), entity, StringComparison.OrdinalIgnoreCase)) return f;
            }
            return null;
        }

        private string TargetFile(string entity)
        {
            if (IsSingleFile) return Path.GetFullPath(Connection.Location);
            return FindFile(entity) ?? Path.Combine(Path.GetFullPath(Connection.Location), entity + ".csv");
        }

        private char Separator(string path)
        {
            string? d = Connection.Delimiter;
            if (!string.IsNullOrEmpty(d))
            {
                if (string.Equals(d, "\\t", StringComparison.Ordinal) || string.Equals(d, "tab", StringComparison.OrdinalIgnoreCase)) return '\t';
                if (d.Length != 1 || d[0] > 127 || d[0] == '"' || d[0] == '\r' || d[0] == '\n')
                {
                    throw new CrmException("CsvDelimiterInvalid", CrmErrorKind.InvalidArgument, $"The delimiter '{d}' is not supported: use one ASCII character other than a quote or line break.");
                }
                return d[0];
            }
            return Path.GetExtension(path).Equals(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
        }

        private readonly Dictionary<string, (long Length, DateTime Written, EncodingChoice Choice)> _encodings = new(StringComparer.Ordinal);

        /// <summary>The encoding a file is read with: given, or detected once per file version (detection reads the whole file).</summary>
        private EncodingChoice EncodingOf(string path, FileTableMetadata? meta)
        {
            var info = new FileInfo(path);
            if (_encodings.TryGetValue(path, out var known) && known.Length == info.Length && known.Written == info.LastWriteTimeUtc) return known.Choice;
            var choice = TextEncodings.Choose(path, Connection.Encoding, meta?.Encoding);
            _encodings[path] = (info.Length, info.LastWriteTimeUtc, choice);
            return choice;
        }

        private CsvFileReader OpenReader(string path, string entity, Action<CrmDataError> onError)
        {
            var meta = FileTableMetadata.LoadTable(path + "-metadata.json");
            var encoding = EncodingOf(path, meta);
            var settings = new CsvReadSettings { StrictEncoding = Connection.StrictEncoding, RejectShortRows = Connection.RejectShortRows };
            return new CsvFileReader(path, Path.GetFileNameWithoutExtension(path), Connection.DisplayName, Separator(path), encoding, meta, onError, settings);
        }

        /// <inheritdoc/>
        public CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount)
        {
            string? path = FindFile(entity);
            if (path is null) return null;
            var reader = OpenReader(path, entity, _ => { });
            var meta = FileTableMetadata.LoadTable(path + "-metadata.json");
            string name = Path.GetFileNameWithoutExtension(path);
            string[] header = reader.ReadHeaderOnly() ?? Array.Empty<string>();
            CrmEntitySchema schema;
            if (meta is not null)
            {
                // The sidecar's full description: lengths, precision, nullability, comments, keys and references.
                schema = meta.Describe(name, header, Connection.DisplayName, CrmProviderKind.Csv);
            }
            else
            {
                var fields = new List<CrmFieldSchema>(header.Length);
                foreach (var h in header) fields.Add(new CrmFieldSchema(h, CrmFieldType.String) { SourceType = "text" });
                var key = new List<string>();
                int k = CsvFileReader.DefaultKeyIndex(header, name);
                if (k >= 0) key.Add(header[k]);
                foreach (var f in fields) foreach (var kn in key) if (string.Equals(f.Name, kn, StringComparison.OrdinalIgnoreCase)) { f.IsKey = true; f.Nullable = false; }
                schema = new CrmEntitySchema(name, fields) { System = Connection.DisplayName, Key = key };
            }
            if (includeRowCount)
            {
                // Rows the reader cannot read are not records, but they are in the file: count them apart, so a
                // file of 14 rows with 8 unreadable says so instead of quietly holding 6.
                long count = 0, unreadable = 0;
                var counting = OpenReader(path, entity, e => { if (e.RecordNumber > 0) unreadable++; });
                foreach (var _ in counting.Read(new RecordFilter(Array.Empty<CrmFieldFilter>()), Cancellation)) count++;
                schema.RowCount = count;
                schema.UnreadableRows = unreadable;
            }
            return schema;
        }

        /// <inheritdoc/>
        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            if (onError is null) throw new ArgumentNullException(nameof(onError));
            string path = FindFile(entity) ?? throw new CrmException(new CrmDataError("EntityNotFound", CrmErrorKind.NotFound,
                $"There is no CSV file for entity '{entity}' in '{Connection.Location}'.") { Entity = entity });
            var reader = OpenReader(path, entity, onError);
            return reader.Read(new RecordFilter(options?.Filters ?? Array.Empty<CrmFieldFilter>()), cancellationToken);
        }

        /// <inheritdoc/>
        IEnumerable<Batches.RowBatch> Batches.ICrmBatchSource.ReadBatches(string entity, CrmReadOptions options, Batches.BatchReadOptions batch, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            if (onError is null) throw new ArgumentNullException(nameof(onError));
            string path = FindFile(entity) ?? throw new CrmException(new CrmDataError("EntityNotFound", CrmErrorKind.NotFound,
                $"There is no CSV file for entity '{entity}' in '{Connection.Location}'.") { Entity = entity });
            var reader = OpenReader(path, entity, onError);
            return reader.ReadBatches(new RecordFilter(options?.Filters ?? Array.Empty<CrmFieldFilter>()), batch, cancellationToken);
        }

        /// <inheritdoc/>
        string? Batches.ICrmBatchSource.FileOf(string entity) => FindFile(entity);

        /// <summary>
        /// The entity's file when a read can start at any line of it (<see cref="Batches.BatchReadOptions.ResumeAt"/> with a byte offset):
        /// it is read as UTF-8 (its bytes are the parser's) and not checked whole first (-StrictEncoding); otherwise null.
        /// </summary>
        internal string? SeekableFile(string entity)
        {
            if (Connection.StrictEncoding || FindFile(entity) is not { } path) return null;
            var meta = FileTableMetadata.LoadTable(path + "-metadata.json");
            return TextEncodings.IsUtf8(EncodingOf(path, meta).Encoding) ? path : null;
        }

        /// <inheritdoc/>
        bool Batches.ICrmBatchSource.ReadsInBatches(string entity, CrmReadOptions options) => true;

        /// <inheritdoc/>
        public ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options)
        {
            if (options is null) throw new ArgumentNullException(nameof(options));
            if (options.Mode == CrmWriteMode.Upsert)
            {
                throw new CrmException(new CrmDataError("FileTargetUpsertNotSupported", CrmErrorKind.InvalidArgument,
                    "A CSV file cannot be upserted into: it is rewritten as a whole. Use -Mode Insert to write a new file, or import into SQLite to merge.") { Entity = entity });
            }
            string path = TargetFile(entity);
            return new CsvEntityWriter(path, entity, options, Separator(path), escape: options.FormulaEscape ?? Connection.FormulaEscape);
        }

        /// <inheritdoc/>
        public void Dispose() { }
    }
}
