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
            string nullText = Profile.NullText;
            // The first column (the record's key) stays empty when null; the others carry the format's null text.
            return new CsvObjectSink(part => Path.Combine(Folder, part == 1 ? entity.Object + ".csv" : entity.Object + "-" + part.ToString(CultureInfo.InvariantCulture) + ".csv"),
                writer, "\n", MaxFileBytes,
                values => { for (int i = 1; i < values.Length; i++) values[i] ??= nullText; },
                () => FilesOf(entity.Object));
        }

        public override IReadOnlyList<CrmFileFinding> CheckFiles() => SaasChecks.Salesforce(this);
    }
}
