using System;
using System.Collections.Generic;
using System.Management.Automation;
using CrmMigration.Engine.Mapping;

namespace CrmMigration.Commands
{
    /// <summary>Maps records to the target's structure: renames fields and entities, sets constants, converts types, and rejects records that break a rule.</summary>
    [Cmdlet(VerbsData.Convert, "CrmRecord")]
    [OutputType(typeof(CrmRecord))]
    public sealed class ConvertCrmRecordCommand : CrmCmdlet
    {
        private CompiledMapping? _mapping;
        private readonly List<CrmDataError> _errors = new();
        private readonly HashSet<string> _warnedEntities = new(StringComparer.OrdinalIgnoreCase);
        private long _mapped, _rejected, _passed;

        /// <summary>The records to convert.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public CrmRecord? InputObject { get; set; }

        /// <summary>The mapping: a .psd1 or .json file, or a hashtable.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public object? Mapping { get; set; }

        /// <summary>Attach to each record the list of values the mapping changed (record.Changes).</summary>
        [Parameter]
        public SwitchParameter Explain { get; set; }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            try
            {
                _mapping = MappingLoader.Load(Mapping!, ResolvePath);
                WriteVerbose($"Mapping {_mapping.Definition.SourcePath ?? "(table)"} hash {_mapping.Definition.Hash}.");
            }
            catch (CrmException ex)
            {
                ThrowCrm(ex, Mapping);
            }
        }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            var input = InputObject!;
            _errors.Clear();
            switch (_mapping!.Map(input, Explain.IsPresent, out var output, _errors))
            {
                case MapStatus.Mapped:
                    _mapped++;
                    output!.MappingHash = _mapping.Definition.Hash;
                    WriteObject(output);
                    break;
                case MapStatus.Rejected:
                    _rejected++;
                    foreach (var e in _errors) WriteCrmError(e, input);
                    break;
                default:
                    _passed++;
                    if (_warnedEntities.Add(input.Entity))
                    {
                        WriteWarning($"The mapping does not name the entity '{input.Entity}'; its records pass through unchanged.");
                    }
                    WriteObject(input);
                    break;
            }
        }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            WriteVerbose($"Converted {_mapped}, rejected {_rejected}, passed through {_passed}.");
        }
    }
}
