using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;

namespace CrmMigration.Engine.Formats
{
    /// <summary>
    /// Salesforce CSV files, one object per file (Account.csv, Account-2.csv ... when split): what Bulk API 2.0 and Data
    /// Loader load, and what the Data Export Service and report exports produce. Written UTF-8 without BOM, LF line
    /// endings (Bulk API 2.0's default lineEnding), RFC 4180 quoting, no formula escaping; the key in the External ID field,
    /// parents as relationship columns (Account.Legacy_Id__c, polymorphic Contact:Who.Legacy_Id__c), so an upsert by
    /// the External ID needs no Salesforce ids. Read: exports with 15- or 18-character ids (normalised to 18), lookup id
    /// columns (AccountId, OwnerId, WhoId/WhatId by key prefix) as references; the key is the Id column when there is one.
    /// </summary>
    internal sealed class SalesforceCsvProvider : SaasProvider
    {
        /// <summary>Files are split before this many bytes (Bulk API 2.0 takes at most 100 MB of CSV per upload after encoding).</summary>
        public const long DefaultMaxFileBytes = 100_000_000;

        public SalesforceCsvProvider(CrmConnection connection) : base(connection, "Salesforce") { }

        private string Folder => Connection.Location;

        protected override ValueCodec Codec => SalesforceCodec.Instance;

        protected override string SidecarPath => Path.Combine(Folder, "crm-metadata.json");

        protected override bool PreferVendorId => true;

        protected override string NormalizeId(string id) => SalesforceId.To18(id);

        internal long MaxFileBytes =>
            Connection.Options.TryGetValue("MaxFileBytes", out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) && n > 0 ? n : DefaultMaxFileBytes;

        /// <summary>The object a file holds: Account.csv and Account-2.csv hold Account.</summary>
        internal static (string Object, int Part) Split(string file)
        {
            string stem = Path.GetFileNameWithoutExtension(file);
            int dash = stem.LastIndexOf('-');
            if (dash > 0 && int.TryParse(stem.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int part) && part >= 2) return (stem.Substring(0, dash), part);
            return (stem, 1);
        }

        /// <summary>The files of one object, part 1 first.</summary>
        internal List<string> FilesOf(string vendorObject)
        {
            var parts = new List<(int Part, string Path)>();
            if (!Directory.Exists(Folder)) return new List<string>();
            foreach (var f in Directory.EnumerateFiles(Folder, "*.csv"))
            {
                var (o, part) = Split(f);
                if (string.Equals(o, vendorObject, StringComparison.OrdinalIgnoreCase)) parts.Add((part, f));
            }
            parts.Sort((a, b) => a.Part.CompareTo(b.Part));
            var list = new List<string>(parts.Count);
            foreach (var p in parts) list.Add(p.Path);
            return list;
        }

        protected override IReadOnlyList<string> VendorObjects()
        {
            var list = new List<string>();
            if (!Directory.Exists(Folder)) return list;
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var files = new List<string>(Directory.EnumerateFiles(Folder, "*.csv"));
            files.Sort(StringComparer.Ordinal);
            foreach (var f in files)
            {
                var (o, _) = Split(f);
                if (seen.Add(o)) list.Add(o);
            }
            return list;
        }

        private CsvFileReader Reader(string path, Action<CrmDataError> onError) =>
            new CsvFileReader(path, Path.GetFileNameWithoutExtension(path), Connection.DisplayName, ',', TextEncodings.Choose(path, Connection.Encoding), null, onError,
                new CsvReadSettings { StrictEncoding = Connection.StrictEncoding, RejectShortRows = Connection.RejectShortRows });

        protected override ObjectRows? OpenObject(string vendorObject, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            var files = FilesOf(vendorObject);
            if (files.Count == 0) return null;
            var header = Reader(files[0], _ => { }).ReadHeaderOnly() ?? Array.Empty<string>();
            return new ObjectRows(vendorObject, header, Rows(files, onError, cancellationToken));
        }

        private IEnumerable<(Func<string, string?>, CrmOrigin)> Rows(List<string> files, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            foreach (var file in files)
            {
                foreach (var record in Reader(file, onError).Read(new RecordFilter(Array.Empty<CrmFieldFilter>()), cancellationToken))
                {
                    var r = record;
                    yield return (name => r[name] as string, r.Origin ?? new CrmOrigin(Connection.DisplayName, null, null, file, 0));
                }
            }
        }

        /// <summary>Account.Legacy_Id__c, Parent.Legacy_Id__c, Contact:Who.Legacy_Id__c → the profile field it fills.</summary>
        protected override FormatField? RelationshipColumn(FormatEntity entity, string column) => MatchRelationship(Profile, entity, column);

        internal static FormatField? MatchRelationship(FormatProfile profile, FormatEntity entity, string column)
        {
            int dot = column.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0) return null;
            string rel = column.Substring(0, dot);
            string? type = null;
            int colon = rel.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                type = rel.Substring(0, colon);
                rel = rel.Substring(colon + 1);
            }
            foreach (var f in entity.Fields)
            {
                if (f.Reference is null || !string.Equals(f.Relationship ?? f.Field, rel, StringComparison.OrdinalIgnoreCase)) continue;
                if (type is null && !f.Polymorphic) return f;
                if (type is not null && string.Equals(profile.ByCanonical(f.Reference)?.Object ?? f.Reference, type, StringComparison.OrdinalIgnoreCase)) return f;
            }
            return null;
        }

        protected override string ReferenceColumn(FormatField field) => RelationshipHeader(Profile, field);

        internal static string RelationshipHeader(FormatProfile profile, FormatField field)
        {
            var parent = profile.ByCanonical(field.Reference!);
            string external = parent?.KeyField ?? profile.KeyField ?? "Id";
            string rel = field.Relationship ?? field.Field;
            return field.Polymorphic ? (parent?.Object ?? field.Reference) + ":" + rel + "." + external : rel + "." + external;
        }

        protected override IObjectSink OpenSink(FormatEntity entity, CanonicalWriter writer, CrmWriteOptions options)
        {
            Directory.CreateDirectory(Folder);
            return new CsvSink(this, entity, writer);
        }

        public override IReadOnlyList<CrmFileFinding> CheckFiles() => SaasChecks.Salesforce(this);

        /// <summary>Writes an object's CSV files into temporary files, split before the size limit, renamed into place on completion.</summary>
        private sealed class CsvSink : IObjectSink
        {
            private readonly SalesforceCsvProvider _provider;
            private readonly FormatEntity _entity;
            private readonly string[] _header;
            private readonly List<(string Temp, string Final)> _files = new();
            private Rfc4180Writer? _csv;
            private long _rowsInFile;
            private bool _done;

            public CsvSink(SalesforceCsvProvider provider, FormatEntity entity, CanonicalWriter writer)
            {
                _provider = provider;
                _entity = entity;
                _header = new string[writer.Columns.Count];
                for (int i = 0; i < _header.Length; i++) _header[i] = writer.Columns[i].Name;
                NextFile();
            }

            private void NextFile()
            {
                _csv?.Dispose();
                int part = _files.Count + 1;
                string name = part == 1 ? _entity.Object + ".csv" : _entity.Object + "-" + part.ToString(CultureInfo.InvariantCulture) + ".csv";
                string final = Path.Combine(_provider.Folder, name);
                string temp = Path.Combine(_provider.Folder, "." + name + "." + Guid.NewGuid().ToString("N") + ".tmp");
                _files.Add((temp, final));
                _csv = new Rfc4180Writer(new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16), "\n");
                _csv.WriteRow(_header);
                _rowsInFile = 0;
            }

            public void Write(CrmRecord record, string?[] values)
            {
                for (int i = 0; i < values.Length; i++) if (values[i] is null && i > 0) values[i] = _provider.Profile.NullText;
                if (_rowsInFile > 0 && _csv!.Bytes + _csv.Measure(values) > _provider.MaxFileBytes) NextFile();
                _csv!.WriteRow(values);
                _rowsInFile++;
            }

            public void Complete(FormatSidecar.ObjectInfo info)
            {
                _csv?.Dispose();
                _csv = null;
                foreach (var (temp, final) in _files)
                {
                    File.Move(temp, final, overwrite: true);
                    info.Files.Add(Path.GetFileName(final));
                }
                // Parts of an earlier, longer write of this object would be read as part of it: they go.
                foreach (var old in _provider.FilesOf(_entity.Object))
                {
                    if (!info.Files.Contains(Path.GetFileName(old))) File.Delete(old);
                }
                _done = true;
            }

            public void Dispose()
            {
                _csv?.Dispose();
                _csv = null;
                if (_done) return;
                foreach (var (temp, _) in _files)
                {
                    try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
        }
    }
}
