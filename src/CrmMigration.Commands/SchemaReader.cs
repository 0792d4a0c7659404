using System;
using System.Collections.Generic;
using System.Threading;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>Describes entities of one system for the mapping cmdlets, each at most once, without counting rows.</summary>
    internal sealed class SchemaReader : IDisposable
    {
        private readonly ICrmProvider _provider;
        private readonly Dictionary<string, CrmEntitySchema?> _cache = new(StringComparer.OrdinalIgnoreCase);

        public SchemaReader(CrmConnection connection, CancellationToken cancel = default) { _provider = ConnectionFactory.Open(connection, cancel); }

        /// <summary>True once describing found that the system itself does not exist yet (a database file not created).</summary>
        public bool Missing { get; private set; }

        public CrmEntitySchema? Describe(string entity)
        {
            if (!_cache.TryGetValue(entity, out var schema))
            {
                try
                {
                    schema = _provider.DescribeEntity(entity, includeRowCount: false);
                }
                catch (CrmException ex) when (ex.Error.Kind == CrmErrorKind.NotFound && ex.Error.Code.EndsWith("DatabaseNotFound", StringComparison.Ordinal))
                {
                    // A target that does not exist yet has no entity yet: -Create would make each one.
                    Missing = true;
                    schema = null;
                }
                _cache[entity] = schema;
            }
            return schema;
        }

        public static List<CrmEntitySchema> ReadAll(CrmConnection connection, CancellationToken cancel)
        {
            using var reader = new SchemaReader(connection, cancel);
            var list = new List<CrmEntitySchema>();
            foreach (string name in reader._provider.ListEntities())
            {
                cancel.ThrowIfCancellationRequested();
                var s = reader.Describe(name);
                if (s is not null) list.Add(s);
            }
            return list;
        }

        public void Dispose() => _provider.Dispose();
    }
}
