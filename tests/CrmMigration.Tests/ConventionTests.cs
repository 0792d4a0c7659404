using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;

namespace CrmMigration.Tests
{
    /// <summary>Checks every exported cmdlet at once, so a new cmdlet cannot skip the conventions.</summary>
    public class ConventionTests
    {
        // Cmdlets that change a system must support -WhatIf/-Confirm; the others only read or build objects.
        private static readonly HashSet<string> Writers = new(StringComparer.OrdinalIgnoreCase) { "Import-CrmData", "Copy-CrmData", "New-CrmSampleData", "Export-CrmArchive", "Disable-CrmSystem", "New-CrmMapping", "Merge-CrmRecord", "New-CrmMergeRule" };
        private static readonly HashSet<string> Readers = new(StringComparer.OrdinalIgnoreCase)
        {
            "New-CrmConnection", "Get-CrmSchema", "Get-CrmMigrationRun", "Get-CrmMigrationRecord", "Export-CrmData", "Convert-CrmRecord", "Test-CrmMigration", "Test-CrmArchive", "Test-CrmAuditLog", "Test-CrmMapping",
        };

        private static List<CmdletInfo> Cmdlets(PsSession ps)
        {
            return ps.Run("Get-Command -Module CrmMigration -CommandType Cmdlet").AssertClean().Objects<CmdletInfo>().ToList();
        }

        [Fact]
        public void EveryCmdletUsesAnApprovedVerbAndIsClassified()
        {
            var approved = new[] { typeof(VerbsCommon), typeof(VerbsData), typeof(VerbsLifecycle), typeof(VerbsDiagnostic), typeof(VerbsCommunications), typeof(VerbsSecurity), typeof(VerbsOther) }
                .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static)).Select(f => (string)f.GetValue(null)!).ToHashSet(StringComparer.OrdinalIgnoreCase);
            using var ps = new PsSession();
            var cmdlets = Cmdlets(ps);
            Assert.True(cmdlets.Count >= 7, "expected the module's cmdlets");
            foreach (var c in cmdlets)
            {
                Assert.True(approved.Contains(c.Verb), $"{c.Name}: '{c.Verb}' is not an approved verb");
                Assert.StartsWith("Crm", c.Noun, StringComparison.Ordinal);
                Assert.True(Writers.Contains(c.Name) || Readers.Contains(c.Name), $"{c.Name} is not classified as reader or writer in ConventionTests");
            }
        }

        [Fact]
        public void EveryCmdletDeclaresOutputTypesAndWritersSupportShouldProcess()
        {
            using var ps = new PsSession();
            foreach (var c in Cmdlets(ps))
            {
                Assert.True(c.OutputType.Count > 0, $"{c.Name} has no [OutputType]");
                var attr = c.ImplementingType.GetCustomAttribute<CmdletAttribute>()!;
                if (Writers.Contains(c.Name)) Assert.True(attr.SupportsShouldProcess, $"{c.Name} changes a system but does not support -WhatIf/-Confirm");
            }
        }

        [Fact]
        public void EveryCmdletHasHelpWithSynopsisExamplesAndParameterDescriptions()
        {
            using var ps = new PsSession();
            foreach (var c in Cmdlets(ps))
            {
                var r = ps.Run($"Get-Help {c.Name} -Full").AssertClean();
                var help = r.Output.Single();
                string synopsis = help.Properties["Synopsis"]?.Value?.ToString()?.Trim() ?? "";
                Assert.False(string.IsNullOrEmpty(synopsis) || synopsis.StartsWith(c.Name + " ", StringComparison.Ordinal) || synopsis.Contains('['), $"{c.Name}: no synopsis in its help (got '{synopsis}')");
                var examples = ps.Run($"@((Get-Help {c.Name} -Full).examples.example).Count").AssertClean();
                Assert.True((int)examples.Output.Single().BaseObject >= 2, $"{c.Name}: fewer than two examples");
                var common = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "Verbose", "Debug", "ErrorAction", "WarningAction", "InformationAction", "ProgressAction", "ErrorVariable", "WarningVariable", "InformationVariable", "OutVariable", "OutBuffer", "PipelineVariable", "WhatIf", "Confirm" };
                foreach (var p in c.Parameters.Keys.Where(k => !common.Contains(k)))
                {
                    var d = ps.Run($"((Get-Help {c.Name} -Parameter {p}).description | ForEach-Object Text) -join ' '").AssertClean();
                    string text = d.Output.FirstOrDefault()?.ToString() ?? "";
                    Assert.False(string.IsNullOrWhiteSpace(text), $"{c.Name} -{p} has no description in its help");
                }
            }
        }

        [Fact]
        public void AboutTopicsAreInstalled()
        {
            using var ps = new PsSession();
            var r = ps.Run("\"$(Get-Help about_CrmMigration)\"").AssertClean();
            string text = string.Join("\n", r.Output.Select(o => o.ToString()));
            Assert.Contains("Import-CrmData", text);
            var m = ps.Run("\"$(Get-Help about_CrmMigration_Mapping)\"").AssertClean();
            Assert.Contains("ValueMap", string.Join("\n", m.Output.Select(o => o.ToString())));
            var rel = ps.Run("\"$(Get-Help about_CrmMigration_Relations)\"").AssertClean();
            Assert.Contains("MissingParent", string.Join("\n", rel.Output.Select(o => o.ToString())));
        }
    }
}
