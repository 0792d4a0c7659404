using System.Management.Automation;

namespace CrmMigration.Commands
{
    /// <summary>
    /// The base of the cmdlets that work on one whole system (describe, archive, check, decommission): the system is
    /// a connection (first position, from the pipeline), a -Path with wildcards that must match one item, or a
    /// -LiteralPath taken as written. Each cmdlet's help says what kinds of system it takes.
    /// </summary>
    public abstract class CrmSystemCmdlet : CrmCmdlet
    {
        /// <summary>The system (a connection, or a path converted to one).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = "Connection")]
        [CrmConnectionTransformation]
        public CrmConnection? Connection { get; set; }

        /// <summary>The system as a path; wildcards must match one item.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Path")]
        [SupportsWildcards]
        public string? Path { get; set; }

        /// <summary>A path taken exactly as written (no wildcards).</summary>
        [Parameter(Mandatory = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        public string? LiteralPath { get; set; }

        /// <summary>The system the user named, whichever way they named it.</summary>
        protected CrmConnection ResolveSystem() => ResolveConnection(Connection, Path, LiteralPath);
    }
}
