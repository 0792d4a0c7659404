using System;
using System.Collections.Generic;
using System.Globalization;

namespace CrmMigration
{
    /// <summary>How a pair of records was decided.</summary>
    public enum CrmMatchDecision
    {
        /// <summary>The score reached the Match threshold.</summary>
        Match,
        /// <summary>The score is in the grey zone between Review and Match: a person decides (review file).</summary>
        Review,
        /// <summary>The score is below Review.</summary>
        NoMatch,
        /// <summary>A person decided the pair is one customer (-Decisions or the ledger).</summary>
        HumanMatch,
        /// <summary>A person decided the pair is two customers (-Decisions or the ledger).</summary>
        HumanNoMatch,
    }

    /// <summary>One comparator's part in a pair's score.</summary>
    public sealed class CrmMatchContribution
    {
        /// <summary>Creates a contribution.</summary>
        public CrmMatchContribution(string field, string comparator, string? valueA, string? valueB, double? similarity, double weight, double contribution)
        {
            Field = field;
            Comparator = comparator;
            ValueA = valueA;
            ValueB = valueB;
            Similarity = similarity;
            Weight = weight;
            Contribution = contribution;
        }

        /// <summary>The match field (as the rules name it).</summary>
        public string Field { get; }
        /// <summary>The comparator (JaroWinkler, TokenSet, Phone...).</summary>
        public string Comparator { get; }
        /// <summary>The first record's normalised value.</summary>
        public string? ValueA { get; }
        /// <summary>The second record's normalised value.</summary>
        public string? ValueB { get; }
        /// <summary>Similarity 0..1; null when a value is missing on either side.</summary>
        public double? Similarity { get; }
        /// <summary>The field's weight (weighted scoring) or its agreement weight in bits (Fellegi-Sunter).</summary>
        public double Weight { get; }
        /// <summary>What the field added to the score.</summary>
        public double Contribution { get; }

        /// <inheritdoc/>
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Field} {Comparator} '{ValueA}' ~ '{ValueB}': {(Similarity is double s ? s.ToString("0.###", CultureInfo.InvariantCulture) : "missing")} → {Contribution:0.###}");
    }

    /// <summary>Two records compared: their score, the decision and each comparator's contribution.</summary>
    public sealed class CrmMatchPair
    {
        /// <summary>Creates a pair.</summary>
        public CrmMatchPair(string entity, string keyA, string keyB, double score, CrmMatchDecision decision)
        {
            Entity = entity;
            KeyA = keyA;
            KeyB = keyB;
            Score = score;
            Decision = decision;
        }

        /// <summary>The entity.</summary>
        public string Entity { get; }
        /// <summary>The first record's key.</summary>
        public string KeyA { get; }
        /// <summary>The second record's key.</summary>
        public string KeyB { get; }
        /// <summary>The score, 0..1.</summary>
        public double Score { get; }
        /// <summary>How the pair was decided.</summary>
        public CrmMatchDecision Decision { get; }
        /// <summary>Each comparator's part in the score.</summary>
        public IReadOnlyList<CrmMatchContribution> Contributions { get; set; } = Array.Empty<CrmMatchContribution>();

        /// <inheritdoc/>
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{KeyA} ~ {KeyB}: {Score:0.###} ({Decision})");
    }

    /// <summary>The value one field of a survivor got, and why.</summary>
    public sealed class CrmMergeFieldChoice
    {
        /// <summary>Creates a choice.</summary>
        public CrmMergeFieldChoice(string field, object? value, string rule, string? fromKey)
        {
            Field = field;
            Value = value;
            Rule = rule;
            FromKey = fromKey;
        }

        /// <summary>The record field.</summary>
        public string Field { get; }
        /// <summary>The winning value.</summary>
        public object? Value { get; }
        /// <summary>The survivorship rule that chose it (Survivor, MostRecent, MostComplete, Longest, MostFrequent, SourcePriority, Oldest, KeepLosing).</summary>
        public string Rule { get; }
        /// <summary>The member whose value won.</summary>
        public string? FromKey { get; }
        /// <summary>True when the survivor's own value was replaced.</summary>
        public bool Changed { get; set; }
        /// <summary>The other members' distinct values that did not win.</summary>
        public IReadOnlyList<object?> LosingValues { get; set; } = Array.Empty<object?>();
        /// <summary>The field the losing values were kept in (KeepLosingIn), if any.</summary>
        public string? KeptIn { get; set; }

        /// <inheritdoc/>
        public override string ToString() => $"{Field} = '{CrmRecord.FormatValue(Value)}' ({Rule}, from {FromKey})";
    }

    /// <summary>One merge: the members that are one customer, the survivor and why, the pairs' scores and each field's winning value.</summary>
    public sealed class CrmMergeGroup
    {
        /// <summary>Creates a group.</summary>
        public CrmMergeGroup(string entity, string groupId, string survivor)
        {
            Entity = entity;
            GroupId = groupId;
            Survivor = survivor;
        }

        /// <summary>The entity.</summary>
        public string Entity { get; }
        /// <summary>A stable id of the group (the survivor's key and the members' keys hashed).</summary>
        public string GroupId { get; }
        /// <summary>The key of the record that survives (an existing target record's key when matched against the target).</summary>
        public string Survivor { get; }
        /// <summary>Why that record survives (the survivor rule and the value that decided it).</summary>
        public string SurvivorReason { get; set; } = "";
        /// <summary>Every member's key, the survivor first.</summary>
        public IReadOnlyList<string> Members { get; set; } = Array.Empty<string>();
        /// <summary>The members merged into the survivor (all but the survivor).</summary>
        public IReadOnlyList<string> Merged { get; set; } = Array.Empty<string>();
        /// <summary>True when the survivor is a record already in the target (-Target).</summary>
        public bool SurvivorInTarget { get; set; }
        /// <summary>The compared pairs inside the group (match and human-decided links).</summary>
        public IReadOnlyList<CrmMatchPair> Pairs { get; set; } = Array.Empty<CrmMatchPair>();
        /// <summary>Each field's winning value and rule.</summary>
        public IReadOnlyList<CrmMergeFieldChoice> Fields { get; set; } = Array.Empty<CrmMergeFieldChoice>();
        /// <summary>Why linked records were left out of the group (a weak link, the maximum size, a person's decision), if any.</summary>
        public IReadOnlyList<string> Splits { get; set; } = Array.Empty<string>();
        /// <summary>The lowest score that holds a member in the group.</summary>
        public double MinScore { get; set; }

        /// <inheritdoc/>
        public override string ToString() => $"{Entity} {Survivor} ← {string.Join(", ", Merged)}";
    }

    /// <summary>What a dedupe did per entity (Merge-CrmRecord -SummaryVariable, Copy-CrmData -Dedupe verbose).</summary>
    public sealed class CrmMergeSummary
    {
        /// <summary>Creates a summary.</summary>
        public CrmMergeSummary(string entity) { Entity = entity; }

        /// <summary>The entity.</summary>
        public string Entity { get; }
        /// <summary>Records received.</summary>
        public long Read { get; set; }
        /// <summary>Records already in the target that took part (-Target).</summary>
        public long TargetRecords { get; set; }
        /// <summary>Records sent on unchanged (no duplicate).</summary>
        public long Unique { get; set; }
        /// <summary>Merge groups.</summary>
        public long Groups { get; set; }
        /// <summary>Survivors sent on (one per group whose survivor is incoming).</summary>
        public long Survivors { get; set; }
        /// <summary>Existing target records updated by a merge (-Target); each update is carried by one incoming record (its origin), the others merged.</summary>
        public long TargetUpdates { get; set; }
        /// <summary>Records merged into a survivor (outcome Merged).</summary>
        public long Merged { get; set; }
        /// <summary>Records passed on as decided before the merge (rejected or filtered upstream).</summary>
        public long Decided { get; set; }
        /// <summary>Candidate pairs the blocking keys produced (distinct).</summary>
        public long CandidatePairs { get; set; }
        /// <summary>All pairs n(n-1)/2 the candidates stand in for.</summary>
        public double AllPairs { get; set; }
        /// <summary>1 - candidate pairs / all pairs.</summary>
        public double ReductionRatio => AllPairs > 0 ? 1 - CandidatePairs / AllPairs : 0;
        /// <summary>Pairs in the grey zone (written to the review file when one is given).</summary>
        public long ReviewPairs { get; set; }
        /// <summary>Pairs a person decided (from -Decisions or the ledger).</summary>
        public long HumanDecisions { get; set; }
        /// <summary>Links not followed so that a group holds only records that match it strongly enough.</summary>
        public long Splits { get; set; }
        /// <summary>The largest group.</summary>
        public int LargestGroup { get; set; }
        /// <summary>The hash of the rules.</summary>
        public string? RulesHash { get; set; }
        /// <summary>Elapsed time.</summary>
        public TimeSpan Elapsed { get; set; }
        /// <summary>Whether every record read is accounted for: read = unique + survivors + target updates + merged + decided.</summary>
        public bool Balanced => Read == Unique + Survivors + TargetUpdates + Merged + Decided;

        /// <inheritdoc/>
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Entity}: read {Read}, unique {Unique}, groups {Groups}, survivors {Survivors}, merged {Merged}, review pairs {ReviewPairs}, candidate pairs {CandidatePairs}");
    }
}
