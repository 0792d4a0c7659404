using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Threading;
using CrmMigration.Engine.Providers;
using CrmMigration.Engine.Providers.Csv;

namespace CrmMigration.Engine.Formats
{
    /// <summary>HubSpot import values: dates yyyy-MM-dd (declare YYYY-MM-DD in the import), date-times ISO 8601 UTC, checkboxes True/False.</summary>
    internal sealed class HubSpotCodec : ValueCodec
    {
        public static readonly HubSpotCodec Instance = new();

        protected override string TrueText => "True";
        protected override string FalseText => "False";
        protected override string DateFormat => "yyyy-MM-dd";
        protected override string DateTimeFormat => "yyyy-MM-dd'T'HH:mm:ss'Z'";
    }

    /// <summary>
    /// HubSpot import files: one CSV per object (companies.csv, contacts.csv, deals.csv, tickets.csv) with HubSpot's internal
    /// property names as headers, UTF-8, CRLF, RFC 4180 quoting, no formula escaping. Contacts and deals name their company in
    /// a column the companies file also has (the profile's legacy_company_id, a unique-value property), so HubSpot's
    /// two-file import associates them; e-mail (contacts) and domain (companies) are HubSpot's dedupe keys and are checked
    /// for duplicates. Reads its own files back (HubSpot's exports are plain CSV and read with the CSV provider).
    /// </summary>
    internal sealed class HubSpotProvider : SaasProvider
    {
        public HubSpotProvider(CrmConnection connection) : base(connection, "HubSpot") { }

        internal string Folder => Connection.Location;

        protected override ValueCodec Codec => HubSpotCodec.Instance;

        protected override string SidecarPath => Path.Combine(Folder, "crm-metadata.json");

        internal string FileOf(FormatEntity entity) => Path.Combine(Folder, (entity.File ?? entity.Object) + ".csv");

        private string? FindFile(string vendorObject)
        {
            var entity = Profile.ByObject(vendorObject);
            string path = entity is null ? Path.Combine(Folder, vendorObject + ".csv") : FileOf(entity);
            return File.Exists(path) ? path : null;
        }

        protected override IReadOnlyList<string> VendorObjects()
        {
            var list = new List<string>();
            if (!Directory.Exists(Folder)) return list;
            foreach (var e in Profile.Entities) if (File.Exists(FileOf(e)) && !list.Contains(e.Object)) list.Add(e.Object);
            var files = new List<string>(Directory.EnumerateFiles(Folder, "*.csv"));
            files.Sort(StringComparer.Ordinal);
            foreach (var f in files)
            {
                string stem = Path.GetFileNameWithoutExtension(f);
                bool known = false;
                foreach (var e in Profile.Entities) if (string.Equals(e.File ?? e.Object, stem, StringComparison.OrdinalIgnoreCase)) known = true;
                if (!known) list.Add(stem);
            }
            return list;
        }

        internal CsvFileReader Reader(string path, Action<CrmDataError> onError) =>
            new CsvFileReader(path, Path.GetFileNameWithoutExtension(path), Connection.DisplayName, ',', TextEncodings.Choose(path, Connection.Encoding), null, onError,
                new CsvReadSettings { StrictEncoding = Connection.StrictEncoding, RejectShortRows = Connection.RejectShortRows });

        protected override ObjectRows? OpenObject(string vendorObject, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            string? path = FindFile(vendorObject);
            if (path is null) return null;
            var header = Reader(path, _ => { }).ReadHeaderOnly() ?? Array.Empty<string>();
            return new ObjectRows(vendorObject, header, Rows(path, onError, cancellationToken));
        }

        private IEnumerable<(Func<string, string?>, CrmOrigin)> Rows(string path, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            foreach (var record in Reader(path, onError).Read(new RecordFilter(Array.Empty<CrmFieldFilter>()), cancellationToken))
            {
                var r = record;
                yield return (name => r[name] as string, r.Origin ?? new CrmOrigin(Connection.DisplayName, null, null, path, 0));
            }
        }

        protected override IObjectSink OpenSink(FormatEntity entity, CanonicalWriter writer, CrmWriteOptions options)
        {
            Directory.CreateDirectory(Folder);
            return new CsvObjectSink(_ => FileOf(entity), writer, "\r\n");
        }

        public override IReadOnlyList<CrmFileFinding> CheckFiles() => SaasChecks.HubSpot(this);
    }
}
