using System;
using System.Collections.Generic;

namespace CrmMigration.Engine.Validation
{
    /// <summary>What Test-CrmMigration compares and how exactly.</summary>
    public sealed class ValidationOptions
    {
        /// <summary>The groups of checks to run (default: all).</summary>
        public ISet<CrmValidationCheck> Checks { get; set; } = new HashSet<CrmValidationCheck>(Enum.GetValues<CrmValidationCheck>());

        /// <summary>Treat NULL and empty text as equal (by default they differ).</summary>
        public bool NullEqualsEmpty { get; set; }

        /// <summary>Numbers within this absolute difference are equal (after the target column's declared scale); 0 compares exactly.</summary>
        public decimal Tolerance { get; set; }

        /// <summary>Sample keys or rows per result.</summary>
        public int MaxSamples { get; set; } = 20;

        /// <summary>
        /// Bytes of key/fingerprint entries held in memory per side before they are spilled to partition files
        /// (an entity smaller than this never touches the disk).
        /// </summary>
        public long SpillBudgetBytes { get; set; } = 8L << 20;

        /// <summary>Where partition files go (a private folder is made inside it); default: the system's temporary folder.</summary>
        public string? SpillDirectory { get; set; }

        /// <summary>Whether a group of checks runs.</summary>
        public bool Runs(CrmValidationCheck check) => Checks.Contains(check);
    }
}
