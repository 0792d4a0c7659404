using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Mapping
{
    /// <summary>Checks a mapping against the source and target schemas (Test-CrmMapping).</summary>
    public static class MappingChecker
    {
        /// <summary>One finding per problem: unknown entities and fields, type clashes, required target fields nothing fills, unknown references.</summary>
        public static List<CrmMappingFinding> Check(MappingDefinition mapping, Func<string, CrmEntitySchema?> describeSource, Func<string, CrmEntitySchema?> describeTarget)
        {
            var findings = new List<CrmMappingFinding>();
            var mappedTargets = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in mapping.Entities) mappedTargets.Add(e.Target);
            foreach (var e in mapping.Entities)
            {
                var src = describeSource(e.Source);
                var tgt = describeTarget(e.Target);
                if (src is null)
                {
                    findings.Add(new CrmMappingFinding(CrmFindingSeverity.Error, "UnknownSourceEntity", e.Target, null,
                        $"The source has no entity '{e.Source}' (read by {e.Target}). Compare with Get-CrmSchema on the source."));
                }
                if (tgt is null)
                {
                    findings.Add(new CrmMappingFinding(CrmFindingSeverity.Warning, "UnknownTargetEntity", e.Target, null,
                        $"The target has no entity '{e.Target}'. Import-CrmData -Create would create it; check the name if it should exist."));
                }
                if (src is not null)
                {
                    foreach (var f in e.Fields)
                    {
                        if (f.HasConstant) continue;
                        foreach (string s in f.Source)
                        {
                            if (src.GetField(s) is null)
                            {
                                findings.Add(new CrmMappingFinding(CrmFindingSeverity.Error, "UnknownSourceField", e.Target, f.Target,
                                    $"{e.Target}.{f.Target} reads '{s}', which the source entity '{src.Name}' does not have; every record would be rejected with RecordSourceFieldMissing."));
                            }
                        }
                    }
                    foreach (var w in e.Where)
                    {
                        if (src.GetField(w.Field) is null)
                        {
                            findings.Add(new CrmMappingFinding(CrmFindingSeverity.Error, "UnknownSourceField", e.Target, w.Field,
                                $"A Where condition of {e.Target} tests '{w.Field}', which the source entity '{src.Name}' does not have."));
                        }
                    }
                }
                var filled = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var f in e.Fields)
                {
                    filled.Add(f.Target);
                    if (f.Reference is not null && !mappedTargets.Contains(f.Reference) && describeTarget(f.Reference) is null)
                    {
                        findings.Add(new CrmMappingFinding(CrmFindingSeverity.Warning, "UnknownReference", e.Target, f.Target,
                            $"{e.Target}.{f.Target} references '{f.Reference}', which is neither a target entity of the mapping nor in the target."));
                    }
                    if (tgt is null) continue;
                    var tf = tgt.GetField(f.Target);
                    if (tf is null)
                    {
                        findings.Add(new CrmMappingFinding(CrmFindingSeverity.Error, "UnknownTargetField", e.Target, f.Target,
                            $"The target entity '{tgt.Name}' has no field '{f.Target}'. Rename the mapping's field or add it to the target."));
                        continue;
                    }
                    CrmFieldType? produced = ProducedType(f, src);
                    if (produced is CrmFieldType p && !Compatible(p, tf.Type))
                    {
                        bool text = p == CrmFieldType.String;
                        findings.Add(new CrmMappingFinding(text ? CrmFindingSeverity.Warning : CrmFindingSeverity.Error, "TypeClash", e.Target, f.Target,
                            text
                                ? $"{e.Target}.{f.Target} is text but the target field is {tf.Type}. Add Type = '{tf.Type}' (with Format/Culture) so bad values are rejected here with a reason, not by the target."
                                : $"{e.Target}.{f.Target} produces {p} but the target field is {tf.Type}."));
                    }
                }
                if (tgt is null) continue;
                foreach (var tf in tgt.Fields)
                {
                    if (tf.Nullable || filled.Contains(tf.Name)) continue;
                    bool kept = e.Unmapped == UnmappedFields.Keep && src?.GetField(tf.Name) is not null;
                    if (kept) continue;
                    bool autoKey = tf.IsKey && tf.Type == CrmFieldType.Integer && tgt.Key.Count == 1;
                    findings.Add(new CrmMappingFinding(autoKey ? CrmFindingSeverity.Warning : CrmFindingSeverity.Error, "UnmappedRequiredField", e.Target, tf.Name,
                        autoKey
                            ? $"The target key '{tf.Name}' is not mapped; this works only if the target numbers new records itself."
                            : $"The target field '{tf.Name}' of {tgt.Name} is NOT NULL and the mapping does not fill it; every record would be refused by the target. Map it, or give it a Value or Default."));
                }
            }
            return findings;
        }

        private static CrmFieldType? ProducedType(FieldMapping f, CrmEntitySchema? src)
        {
            if (f.Type is CrmFieldType t) return t;
            for (int i = f.Transforms.Count - 1; i >= 0; i--)
            {
                string name = f.Transforms[i];
                if (string.Equals(name, "Number", StringComparison.OrdinalIgnoreCase)) return CrmFieldType.Decimal;
                if (string.Equals(name, "Date", StringComparison.OrdinalIgnoreCase)) return null; // Date, DateTime or DateTimeOffset, decided per value
                if (string.Equals(name, "Script", StringComparison.OrdinalIgnoreCase)) return null;
                if (string.Equals(name, "Phone", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "Email", StringComparison.OrdinalIgnoreCase)) return CrmFieldType.String;
                // Text transforms leave other types alone, so they do not decide the type.
            }
            if (f.HasConstant) return f.Constant is null ? null : Util.CrmValues.TypeOf(f.Constant);
            if (f.Source.Count > 1 || f.Split is not null) return CrmFieldType.String;
            return src?.GetField(f.Source.Count == 1 ? f.Source[0] : f.Target)?.Type;
        }

        private static bool Compatible(CrmFieldType from, CrmFieldType to)
        {
            if (from == to || to == CrmFieldType.String) return true;
            if (from == CrmFieldType.Integer && (to == CrmFieldType.Decimal || to == CrmFieldType.Double)) return true;
            if (from == CrmFieldType.Decimal && to == CrmFieldType.Double) return true;
            if ((from == CrmFieldType.Date || from == CrmFieldType.DateTime) && (to == CrmFieldType.Date || to == CrmFieldType.DateTime)) return true;
            if (from == CrmFieldType.DateTimeOffset && to == CrmFieldType.DateTime) return true;
            return false;
        }
    }
}
