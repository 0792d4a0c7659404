using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;

namespace CrmMigration.Commands
{
    /// <summary>
    /// Turns what PowerShell users pipe into records: our own CrmRecord as it is; a hashtable or any other object
    /// (Import-Csv and ConvertFrom-Json output, Select-Object results, .NET objects) into a record of the given
    /// entity whose fields are its entries or properties, in order, typed by their values.
    /// </summary>
    internal sealed class RecordBinder
    {
        private readonly string? _entity;
        private readonly string[]? _keyFields;
        private CrmFieldShape? _lastShape;
        private string[]? _lastNames;
        private long _count;

        public RecordBinder(string? entity, string[]? keyFields)
        {
            _entity = entity;
            _keyFields = keyFields is { Length: > 0 } ? keyFields : null;
        }

        /// <summary>The record for a pipeline object; throws CrmException (RecordNeedsEntity, RecordKeyFieldMissing) when it cannot be one.</summary>
        public CrmRecord Bind(object input)
        {
            _count++;
            object value = input is PSObject pso ? pso.BaseObject : input;
            if (value is CrmRecord record)
            {
                if (_keyFields is not null) record.Key = KeyOf(record);
                return record;
            }
            if (_entity is null)
            {
                throw new CrmException(new CrmDataError("RecordNeedsEntity", CrmErrorKind.InvalidArgument,
                    $"Pipeline object {_count} is a {(value is IDictionary ? "hashtable" : value.GetType().Name)}, not a CrmRecord: give -Entity (and -Key where the target needs a key) to import it."));
            }
            var names = new List<string>();
            var values = new List<object?>();
            if (value is IDictionary dict)
            {
                foreach (DictionaryEntry e in dict)
                {
                    names.Add(e.Key?.ToString() ?? "");
                    values.Add(Unwrap(e.Value));
                }
            }
            else
            {
                var obj = input as PSObject ?? PSObject.AsPSObject(input);
                foreach (var p in obj.Properties)
                {
                    if (!p.IsGettable) continue;
                    names.Add(p.Name);
                    object? v;
                    try { v = p.Value; }
                    catch (GetValueException) { v = null; }
                    values.Add(Unwrap(v));
                }
            }
            var shape = ShapeOf(names);
            var result = new CrmRecord(_entity, shape, values.ToArray()) { Origin = new CrmOrigin("pipeline", _entity, null, null, _count) };
            if (_keyFields is not null) result.Key = KeyOf(result);
            return result;
        }

        /// <summary>Objects of one kind share a shape, as records read from one source do.</summary>
        private CrmFieldShape ShapeOf(List<string> names)
        {
            if (_lastNames is not null && _lastNames.Length == names.Count)
            {
                bool same = true;
                for (int i = 0; i < names.Count && same; i++) same = string.Equals(_lastNames[i], names[i], StringComparison.Ordinal);
                if (same) return _lastShape!;
            }
            _lastNames = names.ToArray();
            return _lastShape = new CrmFieldShape(_lastNames);
        }

        private CrmKey KeyOf(CrmRecord record)
        {
            var parts = new string[_keyFields!.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                if (!record.TryGetValue(_keyFields[i], out object? v) || v is null)
                {
                    throw new CrmException(new CrmDataError("RecordKeyFieldMissing", CrmErrorKind.InvalidData,
                        $"Pipeline object {_count} has no value for the key field '{_keyFields[i]}'.") { Entity = record.Entity, Field = _keyFields[i], Record = record });
                }
                parts[i] = CrmRecord.FormatValue(v);
            }
            return new CrmKey(parts) { FieldNames = _keyFields };
        }

        /// <summary>PowerShell wrappers off; integers widen to long and single to double, as the record types say.</summary>
        private static object? Unwrap(object? v)
        {
            if (v is PSObject p) v = p.BaseObject;
            return v switch
            {
                null or DBNull => null,
                int i => (long)i,
                short s => (long)s,
                byte b => (long)b,
                sbyte sb => (long)sb,
                ushort us => (long)us,
                uint ui => (long)ui,
                float f => (double)f,
                char c => c.ToString(),
                Enum e => e.ToString(),
                string or long or decimal or double or bool or DateTime or DateTimeOffset or Guid or byte[] => v,
                ulong ul => ul <= long.MaxValue ? (long)ul : (decimal)ul,
                _ => v.ToString(),
            };
        }
    }
}
