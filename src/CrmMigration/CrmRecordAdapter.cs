using System;
using System.Collections.ObjectModel;
using System.Management.Automation;

namespace CrmMigration
{
    /// <summary>
    /// Makes a record's fields read as properties in PowerShell ($r.Email, Where-Object Email -like ...)
    /// without copying records into PSObjects. Only the fields are listed (Export-Csv, ConvertTo-Json,
    /// Select-Object * see the data and nothing else); the record's own members (Entity, Key, Origin, Preview,
    /// FieldNames, FieldCount, Changes, Decided: the outcome of a record rejected, filtered or merged before the target) are read by name unless a field has the same name: the field wins
    /// (so exports keep it), and the member is read with GetEntity(), GetKey() or GetOrigin().
    /// </summary>
    public sealed class CrmRecordAdapter : PSPropertyAdapter
    {
        private static readonly string[] Intrinsic = { "Entity", "Key", "Origin", "Preview", "FieldNames", "FieldCount", "Changes", "Decided" };

        /// <inheritdoc/>
        public override Collection<string> GetTypeNameHierarchy(object baseObject)
        {
            return new Collection<string> { typeof(CrmRecord).FullName!, typeof(object).FullName! };
        }

        /// <inheritdoc/>
        public override Collection<PSAdaptedProperty> GetProperties(object baseObject)
        {
            var record = (CrmRecord)baseObject;
            // Only the fields: what Export-Csv, ConvertTo-Json, Select-Object * and Format-List * show. The
            // record's own members stay readable by name ($r.Entity) but are not listed (and are [Hidden] on the type).
            var list = new Collection<PSAdaptedProperty>();
            foreach (var name in record.FieldNames) list.Add(new PSAdaptedProperty(name, name));
            return list;
        }

        /// <inheritdoc/>
        public override PSAdaptedProperty? GetProperty(object baseObject, string propertyName)
        {
            // A field wins over a record member of the same name, so exports (which read what they listed by
            // name) keep the data; the member is then read with GetEntity(), GetKey() or GetOrigin().
            var record = (CrmRecord)baseObject;
            int i = record.Shape.IndexOf(propertyName);
            if (i >= 0) return new PSAdaptedProperty(record.Shape.Names[i], record.Shape.Names[i]);
            return IsIntrinsic(propertyName) ? new PSAdaptedProperty(CanonicalIntrinsic(propertyName), null) : null;
        }

        /// <inheritdoc/>
        public override bool IsGettable(PSAdaptedProperty adaptedProperty) => true;

        /// <inheritdoc/>
        public override bool IsSettable(PSAdaptedProperty adaptedProperty)
        {
            return adaptedProperty.Tag is string || adaptedProperty.Name is "Entity" or "Key";
        }

        /// <inheritdoc/>
        public override object? GetPropertyValue(PSAdaptedProperty adaptedProperty)
        {
            var record = (CrmRecord)adaptedProperty.BaseObject;
            if (adaptedProperty.Tag is string field) return record[field];
            return adaptedProperty.Name switch
            {
                "Entity" => record.Entity,
                "Key" => record.Key,
                "Origin" => record.Origin,
                "Preview" => record.Preview,
                "FieldNames" => record.FieldNames,
                "FieldCount" => record.FieldCount,
                "Changes" => record.Changes,
                "Decided" => record.Decided,
                _ => null,
            };
        }

        /// <inheritdoc/>
        public override void SetPropertyValue(PSAdaptedProperty adaptedProperty, object? value)
        {
            var record = (CrmRecord)adaptedProperty.BaseObject;
            if (value is PSObject pso) value = pso.BaseObject;
            if (adaptedProperty.Tag is string field) { record[field] = value; return; }
            switch (adaptedProperty.Name)
            {
                case "Entity": record.Entity = value?.ToString() ?? throw new ArgumentNullException(nameof(value)); break;
                case "Key": record.Key = value is null ? null : value as CrmKey ?? new CrmKey(value.ToString() ?? ""); break;
                default: throw new NotSupportedException($"The property '{adaptedProperty.Name}' is read-only.");
            }
        }

        /// <inheritdoc/>
        public override string GetPropertyTypeName(PSAdaptedProperty adaptedProperty)
        {
            if (adaptedProperty.Tag is string) return typeof(object).FullName!;
            return adaptedProperty.Name switch
            {
                "Entity" or "Preview" => typeof(string).FullName!,
                "Key" => typeof(CrmKey).FullName!,
                "Origin" => typeof(CrmOrigin).FullName!,
                "FieldCount" => typeof(int).FullName!,
                _ => typeof(object).FullName!,
            };
        }

        private static bool IsIntrinsic(string name)
        {
            foreach (var n in Intrinsic) if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        private static string CanonicalIntrinsic(string name)
        {
            foreach (var n in Intrinsic) if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return n;
            return name;
        }
    }
}
