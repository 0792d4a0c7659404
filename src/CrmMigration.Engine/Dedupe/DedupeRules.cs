using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Dedupe
{
    /// <summary>How the scores of the fields add up to a pair's score.</summary>
    public enum ScoringModel
    {
        /// <summary>Weighted mean of the similarities; a field missing on either side counts with the entity's MissingSimilarity.</summary>
        Weighted,
        /// <summary>Fellegi–Sunter: each field adds log2(m/u) when it agrees and log2((1-m)/(1-u)) when it disagrees; the sum becomes a match probability with the prior.</summary>
        FellegiSunter,
    }

    /// <summary>How several source fields make one match field.</summary>
    public enum CombineMode
    {
        /// <summary>The values joined with a space into one text (first name + last name).</summary>
        Join,
        /// <summary>Each value on its own; two records agree as well as their best pair of values (phone or mobile).</summary>
        Any,
    }

    /// <summary>How a blocking rule turns a field's normalised value into keys.</summary>
    public enum BlockingMethod
    {
        /// <summary>The whole value.</summary>
        Exact,
        /// <summary>The first Length characters.</summary>
        Prefix,
        /// <summary>The last Length characters (phone numbers written with and without a country code).</summary>
        Suffix,
        /// <summary>Each word on its own (a record gets one key per word).</summary>
        Tokens,
        /// <summary>The words sorted and joined ('smith john' = 'john smith').</summary>
        SortedTokens,
        /// <summary>The part of an e-mail address before '@' (the same person at another domain).</summary>
        LocalPart,
    }

    /// <summary>A comparison field: where its value comes from, how it is normalised and compared, and its weight.</summary>
    public sealed class MatchField
    {
        public MatchField(string name) { Name = name; }

        public string Name { get; }
        public IReadOnlyList<string> Source { get; set; } = Array.Empty<string>();
        public CombineMode Combine { get; set; } = CombineMode.Join;
        public IReadOnlyList<string> Normalize { get; set; } = Array.Empty<string>();
        public string Compare { get; set; } = "Exact";
        public double Weight { get; set; } = 1;
        /// <summary>Fellegi–Sunter: P(agree | match).</summary>
        public double M { get; set; } = 0.9;
        /// <summary>Fellegi–Sunter: P(agree | non-match).</summary>
        public double U { get; set; } = 0.1;
        /// <summary>Comparator option: largest difference still similar (Numeric: in units; Date: in days).</summary>
        public double? MaxDifference { get; set; }
        /// <summary>Phone: the digits compared from the end. Default 8.</summary>
        public int Digits { get; set; } = 8;
        /// <summary>The similarity when the value is missing on either side (weighted scoring); null uses the entity's.</summary>
        public double? MissingSimilarity { get; set; }
        /// <summary>Phone normaliser option: the region of numbers without a country code (E164).</summary>
        public string? DefaultRegion { get; set; }
    }

    /// <summary>One blocking rule: records that share one of its keys are compared.</summary>
    public sealed class BlockingRule
    {
        public BlockingRule(IReadOnlyList<string> fields, BlockingMethod method, int length)
        {
            Fields = fields;
            Method = method;
            Length = length;
        }

        public IReadOnlyList<string> Fields { get; }
        public BlockingMethod Method { get; }
        public int Length { get; }
        /// <summary>Keys shorter than this are ignored (a phone of 3 digits is no evidence).</summary>
        public int MinLength { get; set; } = 1;

        public override string ToString() => string.Join("+", Fields) + ":" + Method + (Method is BlockingMethod.Prefix or BlockingMethod.Suffix ? Length.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
    }

    /// <summary>The survivorship rules of one record field.</summary>
    public sealed class FieldSurvivorship
    {
        public FieldSurvivorship(string field, string rule)
        {
            Field = field;
            Rule = rule;
        }

        public string Field { get; }
        /// <summary>Survivor, MostRecent, Oldest, MostComplete, Longest, MostFrequent, SourcePriority.</summary>
        public string Rule { get; }
        /// <summary>The timestamp field for MostRecent/Oldest, or the field naming the source for SourcePriority.</summary>
        public string? By { get; set; }
        /// <summary>SourcePriority: source names (wildcards allowed), best first.</summary>
        public IReadOnlyList<string> Priority { get; set; } = Array.Empty<string>();
        /// <summary>A field that receives the distinct losing values (joined with '; ').</summary>
        public string? KeepLosingIn { get; set; }
    }

    /// <summary>Which record of a group survives.</summary>
    public sealed class SurvivorRule
    {
        /// <summary>Oldest, Newest, MostComplete, SourcePriority or First (the first one read).</summary>
        public string Rule { get; set; } = "MostComplete";
        public string? By { get; set; }
        public IReadOnlyList<string> Priority { get; set; } = Array.Empty<string>();
    }

    /// <summary>The dedupe rules of one entity.</summary>
    public sealed class EntityDedupeRules
    {
        public EntityDedupeRules(string entity) { Entity = entity; }

        public string Entity { get; }
        public IReadOnlyList<MatchField> Fields { get; set; } = Array.Empty<MatchField>();
        public IReadOnlyList<BlockingRule> Blocking { get; set; } = Array.Empty<BlockingRule>();
        public ScoringModel Scoring { get; set; } = ScoringModel.Weighted;
        public double MatchThreshold { get; set; } = 0.85;
        public double ReviewThreshold { get; set; } = 0.65;
        /// <summary>Weighted scoring: the similarity a field missing on either side counts with (0.5: neither for nor against).</summary>
        public double MissingSimilarity { get; set; } = 0.5;
        /// <summary>Fellegi–Sunter: the prior probability that two candidate records match.</summary>
        public double Prior { get; set; } = 0.01;
        /// <summary>Blocks larger than this are compared with a sliding window over records sorted by the key's fields.</summary>
        public int MaxBlockSize { get; set; } = 100;
        public int Window { get; set; } = 10;
        /// <summary>Most records in one group; larger components are split at their weakest links, explained.</summary>
        public int MaxGroupSize { get; set; } = 10;
        /// <summary>A record joins a group only when its mean score against every member reaches this (default: the match threshold).</summary>
        public double? GroupThreshold { get; set; }
        public SurvivorRule Survivor { get; set; } = new();
        public IReadOnlyList<FieldSurvivorship> Survivorship { get; set; } = Array.Empty<FieldSurvivorship>();
        /// <summary>The default rule for fields not listed (Survivor unless '*' says otherwise).</summary>
        public FieldSurvivorship DefaultSurvivorship { get; set; } = new("*", "Survivor");
        public IReadOnlyList<string> CompanySuffixes { get; set; } = Array.Empty<string>();
        public IReadOnlyDictionary<string, string> Nicknames { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A parsed rules file: per entity, how to find and merge duplicates; its hash goes into the ledger.</summary>
    public sealed class DedupeRuleSet
    {
        public DedupeRuleSet(IReadOnlyList<EntityDedupeRules> entities, string hash, string? sourcePath)
        {
            Entities = entities;
            Hash = hash;
            SourcePath = sourcePath;
        }

        public IReadOnlyList<EntityDedupeRules> Entities { get; }
        public string Hash { get; }
        public string? SourcePath { get; }

        /// <summary>The rules of an entity (case-insensitive), or null.</summary>
        public EntityDedupeRules? For(string entity)
        {
            foreach (var e in Entities) if (string.Equals(e.Entity, entity, StringComparison.OrdinalIgnoreCase)) return e;
            return null;
        }
    }
}
