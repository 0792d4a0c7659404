using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace CrmMigration.Engine.Sample
{
    /// <summary>One planted duplicate: the record, the record it repeats, and how it was changed.</summary>
    public sealed record SampleDuplicate(string Entity, string Key, string DuplicateOf, string Variation);

    /// <summary>What <see cref="SampleDataGenerator"/> wrote: rows per entity and how much of each kind of mess.</summary>
    public sealed class SampleDataResult
    {
        /// <summary>Creates an empty result.</summary>
        public SampleDataResult(int seed, int scale)
        {
            Seed = seed;
            Scale = scale;
        }

        /// <summary>The seed the data was generated from.</summary>
        public int Seed { get; }
        /// <summary>The number of contacts asked for.</summary>
        public int Scale { get; }
        /// <summary>Rows written per entity (accounts, contacts, leads, opportunities, cases, activities).</summary>
        public Dictionary<string, long> Counts { get; } = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Rows the target refused per entity (normally none).</summary>
        public Dictionary<string, long> Rejected { get; } = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        /// <summary>
        /// Mess per kind (see <see cref="SampleDataGenerator"/> for the list), counted over the rows
        /// written, so tests and the quick start can check them against the data.
        /// </summary>
        public Dictionary<string, long> Mess { get; } = new Dictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        /// <summary>Time taken.</summary>
        public TimeSpan Elapsed { get; set; }

        /// <summary>
        /// The truth table of the planted duplicates: each duplicate record (entity, key) and the key of the record
        /// it repeats, with what was changed (name_typo, phone_format, email_domain_changed...). Records that repeat
        /// the same original are duplicates of one another too.
        /// </summary>
        public List<SampleDuplicate> Duplicates { get; } = new List<SampleDuplicate>();

        internal void AddDuplicate(string entity, string key, string duplicateOf, List<string> how) =>
            Duplicates.Add(new SampleDuplicate(entity, key, duplicateOf, string.Join(" ", how)));

        /// <summary>A mess count, 0 when none.</summary>
        public long MessCount(string kind) => Mess.TryGetValue(kind, out long n) ? n : 0;

        internal void AddMess(string kind, long n = 1)
        {
            Mess.TryGetValue(kind, out long have);
            Mess[kind] = have + n;
        }

        /// <inheritdoc/>
        public override string ToString()
        {
            var sb = new StringBuilder();
            foreach (var kv in Counts)
            {
                if (sb.Length > 0) sb.Append(", ");
                sb.Append(kv.Key).Append('=').Append(kv.Value.ToString(CultureInfo.InvariantCulture));
            }
            return sb.ToString();
        }
    }
}
