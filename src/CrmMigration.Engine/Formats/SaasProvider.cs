using System;
using System.Collections.Generic;
using System.Threading;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Engine.Formats
{
    /// <summary>The rows of one vendor object as a reader sees them: its columns and a stream of rows (references already parent keys).</summary>
    internal sealed class ObjectRows
    {
        public ObjectRows(string vendorObject, IReadOnlyList<string> columns, IEnumerable<(Func<string, string?> Row, CrmOrigin Origin)> rows)
        {
            Object = vendorObject;
            Columns = columns;
            Rows = rows;
        }

        public string Object { get; }
        public IReadOnlyList<string> Columns { get; }
        public IEnumerable<(Func<string, string?> Row, CrmOrigin Origin)> Rows { get; }
    }

    /// <summary>Where a format writer puts one object's rows.</summary>
    internal interface IObjectSink : IDisposable
    {
        /// <summary>Writes one record's vendor values (aligned with the writer's columns).</summary>
        void Write(CrmRecord record, string?[] values);

        /// <summary>Finishes the object: files renamed into place, the sidecar updated.</summary>
        void Complete(FormatSidecar.ObjectInfo info);
    }

    /// <summary>
    /// A SaaS product's load files as a provider: canonical entities through a format profile (Salesforce, Dynamics 365,
    /// HubSpot). Objects the profile does not name are read as they are. Writing rewrites an object's files whole (insert
    /// files for the vendor's loader, keyed by the source key so the loader upserts), leaves other objects alone, and
    /// keeps a sidecar of what it wrote. <see cref="CheckFiles"/> validates the file set against the format's rules.
    /// </summary>
    internal abstract class SaasProvider : ICrmProvider, ICrmFileSet
    {
        protected SaasProvider(CrmConnection connection, string format)
        {
            Connection = connection ?? throw new ArgumentNullException(nameof(connection));
            connection.Options.TryGetValue("Profile", out var profile);
            Profile = FormatProfile.Load(string.IsNullOrEmpty(profile) ? format : profile, format);
        }

        public CrmConnection Connection { get; }
        public CancellationToken Cancellation { get; set; }
        internal FormatProfile Profile { get; }

        /// <summary>The codec of the format's value texts.</summary>
        protected abstract ValueCodec Codec { get; }

        /// <summary>The sidecar path.</summary>
        protected abstract string SidecarPath { get; }

        /// <summary>Vendor objects present.</summary>
        protected abstract IReadOnlyList<string> VendorObjects();

        /// <summary>An object's rows, or null when the object is not there.</summary>
        protected abstract ObjectRows? OpenObject(string vendorObject, Action<CrmDataError> onError, CancellationToken cancellationToken);

        /// <summary>Opens the sink for an object.</summary>
        protected abstract IObjectSink OpenSink(FormatEntity entity, CanonicalWriter writer, CrmWriteOptions options);

        /// <summary>The column a reference is written in (Salesforce Account.Legacy_Id__c; the lookup field elsewhere).</summary>
        protected virtual string ReferenceColumn(FormatField field) => field.Field;

        /// <summary>Turns a reader column that names a reference into its profile field (Salesforce relationship columns).</summary>
        protected virtual FormatField? RelationshipColumn(FormatEntity entity, string column) => null;

        /// <summary>Normalises a vendor record id (Salesforce 15 → 18 characters).</summary>
        protected virtual string NormalizeId(string id) => id;

        /// <summary>Whether the vendor's id is the key when both it and the key field are there (Salesforce exports reference by id).</summary>
        protected virtual bool PreferVendorId => false;

        public abstract IReadOnlyList<CrmFileFinding> CheckFiles();

        internal FormatSidecar? LoadSidecar() => FormatSidecar.Load(SidecarPath);

        public IReadOnlyList<string> ListEntities()
        {
            var list = new List<string>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var objects = VendorObjects();
            foreach (var e in Profile.Entities)
            {
                foreach (var o in objects) if (string.Equals(o, e.Object, StringComparison.OrdinalIgnoreCase) && seen.Add(e.Canonical)) list.Add(e.Canonical);
            }
            foreach (var o in objects)
            {
                if (Profile.ByObject(o) is null && seen.Add(o)) list.Add(o);
            }
            return list;
        }

        private string ObjectOf(string entity) => Profile.ByCanonical(entity)?.Object ?? entity;

        private CanonicalReader Reader(ObjectRows rows, string entity)
        {
            var profileEntity = Profile.ByCanonical(entity) ?? Profile.ByObject(rows.Object);
            string name = profileEntity?.Canonical ?? entity;
            return new CanonicalReader(Profile, profileEntity, name, rows.Columns, LoadSidecar()?.Get(rows.Object), Codec, NormalizeId, PreferVendorId, RelationshipColumn);
        }

        public CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount)
        {
            long unreadable = 0;
            var rows = OpenObject(ObjectOf(entity), e => { if (e.Line > 0 || e.RecordNumber > 0) unreadable++; }, Cancellation);
            if (rows is null) return null;
            var reader = Reader(rows, entity);
            var schema = reader.Schema;
            schema.System = Connection.DisplayName;
            schema.Connection = Connection;
            if (includeRowCount)
            {
                long count = 0;
                foreach (var (row, origin) in rows.Rows)
                {
                    if (reader.Read(row, origin, _ => unreadable++) is not null) count++;
                }
                schema.RowCount = count;
                schema.UnreadableRows = unreadable;
            }
            return schema;
        }

        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            if (onError is null) throw new ArgumentNullException(nameof(onError));
            var rows = OpenObject(ObjectOf(entity), onError, cancellationToken) ?? throw new CrmException(new CrmDataError("EntityNotFound", CrmErrorKind.NotFound,
                $"{Connection.Location} holds no {ObjectOf(entity)} file for entity '{entity}'.") { Entity = entity });
            return ReadRows(rows, entity, new RecordFilter(options?.Filters ?? Array.Empty<CrmFieldFilter>()), onError, cancellationToken);
        }

        private IEnumerable<CrmRecord> ReadRows(ObjectRows rows, string entity, RecordFilter filter, Action<CrmDataError> onError, CancellationToken cancellationToken)
        {
            var reader = Reader(rows, entity);
            foreach (var (row, origin) in rows.Rows)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var record = reader.Read(row, origin, onError);
                if (record is not null && (filter.IsEmpty || filter.Matches(record))) yield return record;
            }
        }

        public ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options)
        {
            if (options is null) throw new ArgumentNullException(nameof(options));
            if (options.Mode == CrmWriteMode.Upsert)
            {
                throw new CrmException(new CrmDataError("FileTargetUpsertNotSupported", CrmErrorKind.InvalidArgument,
                    $"{Profile.Format} load files are written whole, one set per object, keyed by the source key so that the vendor's loader upserts. Use -Mode Insert.") { Entity = entity });
            }
            var profileEntity = Profile.ByCanonical(entity) ?? new FormatEntity(entity, entity) { KeyField = Profile.KeyField, IdField = "Id" };
            return new SaasEntityWriter(this, profileEntity, options);
        }

        internal IObjectSink Sink(FormatEntity entity, CanonicalWriter writer, CrmWriteOptions options) => OpenSink(entity, writer, options);

        internal CanonicalWriter NewWriter(FormatEntity entity, IReadOnlyList<string> fields, IReadOnlyList<string>? keyFields) =>
            new CanonicalWriter(Profile, entity, fields, keyFields, Codec, ReferenceColumn);

        /// <summary>Records an object's files in the sidecar (created or updated).</summary>
        internal void Record(FormatSidecar.ObjectInfo info)
        {
            var sidecar = LoadSidecar() ?? new FormatSidecar(Profile.Format, Profile.Name);
            sidecar.Objects[info.Object] = info;
            sidecar.Save(SidecarPath);
        }

        public virtual void Dispose() { }
    }

    /// <summary>Writes one canonical entity through a <see cref="SaasProvider"/>'s sink.</summary>
    internal sealed class SaasEntityWriter : ICrmEntityWriter
    {
        private readonly SaasProvider _provider;
        private readonly FormatEntity _entity;
        private readonly CrmWriteOptions _options;
        private CanonicalWriter? _writer;
        private IObjectSink? _sink;
        private long _records;
        private int _batch;

        public SaasEntityWriter(SaasProvider provider, FormatEntity entity, CrmWriteOptions options)
        {
            _provider = provider;
            _entity = entity;
            _options = options;
            if (options.Schema is { Fields.Count: > 0 } schema)
            {
                var names = new List<string>(schema.Fields.Count);
                foreach (var f in schema.Fields) names.Add(f.Name);
                Start(names, schema.Key.Count > 0 ? schema.Key : options.KeyFields);
            }
        }

        private void Start(IReadOnlyList<string> names, IReadOnlyList<string>? keyFields)
        {
            _writer = _provider.NewWriter(_entity, names, keyFields);
            _sink = _provider.Sink(_entity, _writer, _options);
        }

        public void WriteBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            _batch++;
            foreach (var record in batch)
            {
                if (_writer is null) Start(record.FieldNames, record.Key?.FieldNames ?? _options.KeyFields);
                var outcome = Check(record, out string?[]? values);
                outcome.Batch = _batch;
                if (values is not null)
                {
                    _sink!.Write(record, values);
                    _records++;
                }
                outcomes.Add(outcome);
            }
        }

        private CrmRecordOutcome Check(CrmRecord record, out string?[]? values)
        {
            values = null;
            string? key = CanonicalWriter.KeyText(record);
            if (string.IsNullOrEmpty(key))
            {
                return Rejected(record, "SaasRecordKeyMissing", $"The record has no key: {_provider.Profile.Format} files identify records by their source key ({_entity.KeyField ?? "the key field"}).");
            }
            string? unknown = _writer!.Unknown(record);
            if (unknown is not null) return Rejected(record, "UnknownField", $"The field '{unknown}' is not a column of the {_entity.Object} file (columns are fixed by the schema or the first record).");
            try
            {
                values = _writer.Values(record);
            }
            catch (FormatException ex)
            {
                return Rejected(record, "SaasValueInvalid", ex.Message);
            }
            catch (InvalidCastException ex)
            {
                return Rejected(record, "SaasValueInvalid", ex.Message);
            }
            return new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Inserted) { Origin = record.Origin };
        }

        private static CrmRecordOutcome Rejected(CrmRecord record, string code, string message) =>
            new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Rejected) { Origin = record.Origin, ReasonCode = code, Message = message };

        public void PlanBatch(IReadOnlyList<CrmRecord> batch, List<CrmRecordOutcome> outcomes)
        {
            var writer = _writer;
            foreach (var record in batch)
            {
                writer ??= _provider.NewWriter(_entity, record.FieldNames, record.Key?.FieldNames ?? _options.KeyFields);
                string? unknown = writer.Unknown(record);
                var outcome = string.IsNullOrEmpty(CanonicalWriter.KeyText(record))
                    ? Rejected(record, "SaasRecordKeyMissing", "The record has no key.")
                    : unknown is not null ? Rejected(record, "UnknownField", $"The field '{unknown}' is not a column of the {_entity.Object} file.")
                    : new CrmRecordOutcome(record.Entity, record.Key?.ToString(), CrmOutcome.Inserted) { Origin = record.Origin };
                outcome.WhatIf = true;
                outcome.Batch = _batch + 1;
                outcomes.Add(outcome);
            }
        }

        public void Complete()
        {
            if (_writer is null) Start(Array.Empty<string>(), _options.KeyFields);
            var info = new FormatSidecar.ObjectInfo(_entity.Object, _entity.Canonical) { Records = _records };
            foreach (var c in _writer!.Columns)
            {
                if (c.Role == ColumnRole.Custom) info.Columns.Add(new FormatSidecar.ColumnInfo(c.Name, c.Canonical, c.Type));
            }
            _sink!.Complete(info);
            _provider.Record(info);
            _sink.Dispose();
            _sink = null;
        }

        public void Dispose()
        {
            _sink?.Dispose();
            _sink = null;
        }
    }
}
