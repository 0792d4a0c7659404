using System;
using System.Collections.Generic;
using System.Threading;

namespace CrmMigration
{
    /// <summary>
    /// The ordered, case-insensitive list of field names that many records share. Records from one
    /// source share one shape, so a record carries only its values; adding a field moves the record
    /// to a cached successor shape instead of rebuilding a dictionary per record.
    /// </summary>
    public sealed class CrmFieldShape
    {
        private readonly string[] _names;
        private readonly Dictionary<string, int> _index;
        private Dictionary<string, CrmFieldShape>? _successors;

        /// <summary>The shape with no fields.</summary>
        public static readonly CrmFieldShape Empty = new CrmFieldShape(Array.Empty<string>());

        /// <summary>Creates a shape from field names; names must be unique ignoring case.</summary>
        public CrmFieldShape(IReadOnlyList<string> names)
        {
            if (names is null) throw new ArgumentNullException(nameof(names));
            _names = new string[names.Count];
            _index = new Dictionary<string, int>(names.Count, StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < names.Count; i++)
            {
                string name = names[i] ?? throw new ArgumentException("A field name is null.", nameof(names));
                if (_index.ContainsKey(name))
                {
                    throw new ArgumentException($"The field name '{name}' appears more than once (names are case-insensitive).", nameof(names));
                }
                _names[i] = name;
                _index.Add(name, i);
            }
        }

        /// <summary>
        /// The fields that reference another entity's key (declared by a mapping's Reference), kept with the
        /// shape so an import can translate and check them; null when none.
        /// </summary>
        public IReadOnlyList<CrmReference>? References { get; init; }

        /// <summary>The same names with these references.</summary>
        public CrmFieldShape WithReferences(IReadOnlyList<CrmReference>? references) =>
            new CrmFieldShape(_names) { References = references, Schema = Schema, FileKeyColumns = FileKeyColumns, FileKeepsEmptyText = FileKeepsEmptyText };

        /// <summary>
        /// The schema of the entity the records come from, when the source knows it (types, lengths, precision,
        /// nullability, keys, comments), kept with the shape so a target created from the records gets it; null
        /// when unknown. Fields the shape has and the schema lacks are described by their values.
        /// </summary>
        public CrmEntitySchema? Schema { get; init; }

        /// <summary>The same names and references with this schema.</summary>
        public CrmFieldShape WithSchema(CrmEntitySchema? schema) =>
            new CrmFieldShape(_names) { References = References, Schema = schema, FileKeyColumns = FileKeyColumns, FileKeepsEmptyText = FileKeepsEmptyText };

        /// <summary>
        /// For the rows of a file (CSV, Excel), where an empty cell is no stored value: the positions of the file's key fields, in key
        /// order. A row whose key field is empty has no identity and is rejected before the target (the rule: FileKeyRule in the
        /// engine). Null for every other source: a database's empty text is a value, and a record built in code keeps its key as given.
        /// </summary>
        internal int[]? FileKeyColumns { get; init; }

        /// <summary>
        /// True when the file stores the empty text as a value of its own (a sidecar's EmptyStringQuoted or EmptyStringCells): only a
        /// key cell that holds nothing is empty then, not one that holds ''.
        /// </summary>
        internal bool FileKeepsEmptyText { get; init; }

        /// <summary>Number of fields.</summary>
        public int Count => _names.Length;

        /// <summary>Field names in order.</summary>
        public IReadOnlyList<string> Names => _names;

        /// <summary>Position of a field, or -1.</summary>
        public int IndexOf(string name) => name is not null && _index.TryGetValue(name, out int i) ? i : -1;

        /// <summary>The shape with one more field at the end; cached so records share it.</summary>
        public CrmFieldShape With(string name)
        {
            var successors = Volatile.Read(ref _successors);
            if (successors is not null)
            {
                lock (successors)
                {
                    if (successors.TryGetValue(name, out var known)) return known;
                }
            }
            var names = new string[_names.Length + 1];
            Array.Copy(_names, names, _names.Length);
            names[_names.Length] = name;
            // A field added at the end leaves the file's key columns where they are.
            var next = new CrmFieldShape(names) { References = References, Schema = Schema, FileKeyColumns = FileKeyColumns, FileKeepsEmptyText = FileKeepsEmptyText };
            if (successors is null)
            {
                // Ordinal: a record adding "id" must not get the cached successor another record made for "Id".
                Interlocked.CompareExchange(ref _successors, new Dictionary<string, CrmFieldShape>(StringComparer.Ordinal), null);
                successors = _successors!;
            }
            lock (successors)
            {
                if (successors.Count < 64) successors[name] = next;
            }
            return next;
        }
    }

    /// <summary>What an import does with a record whose referenced parent is in neither the import nor the target.</summary>
    public enum CrmMissingParentAction
    {
        /// <summary>Reject the record with reason MissingParent (default).</summary>
        Reject,
        /// <summary>Keep the record with the reference cleared (null).</summary>
        Clear,
        /// <summary>Keep the record and the reference as they are (no check).</summary>
        Keep,
    }

    /// <summary>One reference from a record to another entity: the field(s) holding the parent's key, in the parent's key order.</summary>
    public sealed class CrmReference
    {
        /// <summary>Creates a reference.</summary>
        public CrmReference(IReadOnlyList<string> fields, string entity, CrmMissingParentAction onMissingParent = CrmMissingParentAction.Reject)
        {
            if (fields is null || fields.Count == 0) throw new ArgumentException("A reference needs at least one field.", nameof(fields));
            Fields = fields;
            Entity = entity ?? throw new ArgumentNullException(nameof(entity));
            OnMissingParent = onMissingParent;
        }

        /// <summary>The referencing field(s).</summary>
        public IReadOnlyList<string> Fields { get; }
        /// <summary>The referenced (parent) entity.</summary>
        public string Entity { get; }
        /// <summary>The parent's key fields the reference matches, when they are not the parent's key (a foreign key to a unique column).</summary>
        public IReadOnlyList<string>? ParentFields { get; init; }
        /// <summary>What happens when the parent cannot be found.</summary>
        public CrmMissingParentAction OnMissingParent { get; }

        /// <inheritdoc/>
        public override string ToString() => string.Join(", ", Fields) + " → " + Entity;
    }
}
