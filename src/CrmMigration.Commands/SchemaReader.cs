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

        public CrmEntitySchema? Describe(string entity)
        {
            if (!_cache.TryGetValue(entity, out var schema))
            {
                schema = _provider.DescribeEntity(entity, includeRowCount: false);
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
