using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Providers
{
    /// <summary>Orders entities so referenced ones come first (accounts before contacts); cycles keep input order.</summary>
    public static class EntityOrder
    {
        public static IReadOnlyList<CrmEntitySchema> ParentsFirst(IReadOnlyList<CrmEntitySchema> entities)
        {
            var byName = new Dictionary<string, CrmEntitySchema>(StringComparer.OrdinalIgnoreCase);
            foreach (var e in entities) byName[e.Name] = e;
            var result = new List<CrmEntitySchema>(entities.Count);
            var state = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase); // 1 visiting, 2 done
            foreach (var e in entities) Visit(e, byName, state, result);
            return result;
        }

        private static void Visit(CrmEntitySchema e, Dictionary<string, CrmEntitySchema> byName, Dictionary<string, int> state, List<CrmEntitySchema> result)
        {
            if (state.TryGetValue(e.Name, out int s) && s > 0) return; // done, or a cycle: the second pass of a later version fills it
            state[e.Name] = 1;
            foreach (var r in e.Relations)
            {
                if (!string.Equals(r.ReferencedEntity, e.Name, StringComparison.OrdinalIgnoreCase) && byName.TryGetValue(r.ReferencedEntity, out var parent))
                {
                    Visit(parent, byName, state, result);
                }
            }
            state[e.Name] = 2;
            result.Add(e);
        }
    }
}
