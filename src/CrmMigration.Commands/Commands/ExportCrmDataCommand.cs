using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using CrmMigration.Engine.Providers;

namespace CrmMigration.Commands
{
    /// <summary>Streams the records of one or more entities out of a system as CrmRecord objects.</summary>
    [Cmdlet(VerbsData.Export, "CrmData", DefaultParameterSetName = "Connection")]
    [OutputType(typeof(CrmRecord))]
    public sealed class ExportCrmDataCommand : CrmCmdlet
    {
        /// <summary>The system to read (a connection or a path).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Connection")]
        [CrmConnectionTransformation]
        public CrmConnection? Connection { get; set; }

        /// <summary>A path to an SQLite file, CSV folder or file, or Excel workbook; wildcards must match one existing item.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        public string? Path { get; set; }

        /// <summary>A path taken exactly as written (no wildcards).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        public string? LiteralPath { get; set; }

        /// <summary>Entities to export; wildcards allowed. All when omitted, parents before children.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("Name")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(EntityCompleter))]
        public string[]? Entity { get; set; }

        /// <summary>Field = value conditions that must all hold; * and ? in text values are wildcards.</summary>
        [Parameter]
        public Hashtable? Filter { get; set; }

        /// <summary>The text encoding of CSV files (overrides the connection's and detection).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(EncodingCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Encoding { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var connection = ResolveConnection(Connection, Path, LiteralPath);
            if (Encoding is not null)
            {
                try { ConnectionFactory.CheckEncoding(Encoding); }
                catch (CrmException ex) { ThrowCrm(ex, Encoding); }
                connection = connection.Clone();
                connection.Encoding = Encoding;
            }
            var options = new CrmReadOptions { Filters = FieldFilters(Filter) };
            try
            {
                using var provider = OpenSourceProvider(connection);
                var entities = new List<string>(Order(provider));
                if (options.Filters.Count > 0)
                {
                    // Every entity is checked before any is read: a filter field an entity lacks is a mistake, not an empty result.
                    foreach (string entity in entities)
                    {
                        if (provider.DescribeEntity(entity, includeRowCount: false) is CrmEntitySchema schema) RecordFilter.RequireFields(options.Filters, schema);
                    }
                }
                foreach (string entity in entities)
                {
                    ExportEntity(provider, entity, options);
                }
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, connection);
            }
        }

        private IEnumerable<string> Order(ICrmProvider provider)
        {
            var names = new List<string>(EntitySelector.Select(ListEntities(provider), Entity, this));
            if (Entity is not null && Entity.Length > 0) return names;
            var schemas = new List<CrmEntitySchema>();
            foreach (var n in names)
            {
                var s = provider.DescribeEntity(n, includeRowCount: false);
                if (s is not null) schemas.Add(s);
            }
            var ordered = new List<string>();
            foreach (var s in EntityOrder.ParentsFirst(schemas)) ordered.Add(s.Name);
            return ordered;
        }

        private void ExportEntity(ICrmProvider provider, string entity, CrmReadOptions options)
        {
            string activity = "Export-CrmData " + entity;
            var clock = Stopwatch.StartNew();
            long count = 0;
            foreach (var record in provider.Read(entity, options, WriteReaderProblem, CancellationToken))
            {
                WriteObject(record);
                count++;
                if ((count & 1023) == 0) WriteThrottledProgress(1, activity, "Reading", count, clock.Elapsed.TotalSeconds);
            }
            CompleteProgress(1, activity);
            WriteVerbose($"{entity}: {count} records in {clock.Elapsed.TotalSeconds:F2} s.");
        }
    }
}
