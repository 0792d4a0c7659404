using System;
using System.Collections.Generic;
using System.Threading;

namespace CrmMigration.Engine.Providers.Csv
{
    /// <summary>PLACEHOLDER being written now; replaced before anything lands.</summary>
    public sealed class CsvProvider : ICrmProvider
    {
        public CsvProvider(CrmConnection connection) { Connection = connection; }
        public CrmConnection Connection { get; }
        public IReadOnlyList<string> ListEntities() => throw new NotImplementedException();
        public CrmEntitySchema? DescribeEntity(string entity, bool includeRowCount) => throw new NotImplementedException();
        public IEnumerable<CrmRecord> Read(string entity, CrmReadOptions options, Action<CrmDataError> onError, CancellationToken cancellationToken) => throw new NotImplementedException();
        public ICrmEntityWriter OpenWriter(string entity, CrmWriteOptions options) => throw new NotImplementedException();
        public void Dispose() { }
    }
}
