using System.IO;
using System.Linq;
using System.Management.Automation;

namespace CrmMigration.Tests
{
    public class ModuleTests
    {
        [Fact]
        public void ManifestIsStampedAndComplete()
        {
            using var ps = new PsSession();
            var r = ps.Run("Get-Module CrmMigration").AssertClean();
            var module = (PSModuleInfo)r.Output.Single().BaseObject;
            var expectedVersion = System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Repo.Root, "CrmMigration.psd1")), "ModuleVersion\\s*=\\s*'([0-9.]+)'").Groups[1].Value;
            Assert.Equal(expectedVersion, module.Version.ToString());
            Assert.Equal(expectedVersion, Path.GetFileName(Repo.ModuleDir));
            Assert.Equal("7.4", module.PowerShellVersion.ToString());
            Assert.Contains("Core", module.CompatiblePSEditions);
            Assert.True(File.Exists(Path.Combine(Repo.ModuleDir, "Dependencies", "CrmMigration.Engine.dll")));
            Assert.False(File.Exists(Path.Combine(Repo.ModuleDir, "CrmMigration.Engine.dll")), "the engine must live under Dependencies/, not next to the root module");
            Assert.True(File.Exists(Path.Combine(Repo.ModuleDir, "Dependencies", "CsvHelper.dll")));
            var exported = module.ExportedCmdlets.Keys.OrderBy(k => k).ToArray();
            Assert.Contains("Import-CrmData", exported);
            Assert.Contains("Export-CrmData", exported);
        }

        [Fact]
        public void PublicTypesResolveByNameInScripts()
        {
            using var ps = new PsSession();
            var r = ps.Run("[CrmMigration.CrmRecord].Assembly.GetName().Name; [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([CrmMigration.CrmRecord].Assembly).Name").AssertClean();
            Assert.Equal("CrmMigration", r.Output[0].ToString());
            Assert.Equal("Default", r.Output[1].ToString());
        }

        [Fact]
        public void RecordFieldsReadAsPropertiesInPipelines()
        {
            using var ps = new PsSession();
            var r = ps.Run(@"
                $records = foreach ($i in 1..5) {
                    $rec = [CrmMigration.CrmRecord]::new('Contact')
                    $rec['Email'] = ""user$i@"" + $(if ($i % 2) { 'x.com' } else { 'y.org' })
                    $rec['City'] = ""City$i""
                    $rec.Key = [CrmMigration.CrmKey]::new([string]$i)
                    $rec
                }
                ($records | Where-Object Email -like '*@x.com' | ForEach-Object { $_.City }) -join ','
                $records[0].email
                $records[0].Entity
                $records[0].City = 'Changed'; $records[0]['city']
            ").AssertClean();
            Assert.Equal("City1,City3,City5", r.Output[0].ToString());
            Assert.Equal("user1@x.com", r.Output[1].ToString());
            Assert.Equal("Contact", r.Output[2].ToString());
            Assert.Equal("Changed", r.Output[3].ToString());
        }

        [Fact]
        public void ConvertMapsRenamesConstantsAndTypesAndRejectsWithIds()
        {
            using var ps = new PsSession();
            var r = ps.Run(@"
                $map = @{ Entities = @{ Contact = @{
                    Source = 'contacts'; Key = 'Id'
                    Fields = [ordered]@{
                        Id      = 'contact_id'
                        Email   = @{ Source = 'email'; Transform = 'Trim','Lower'; Required = $true }
                        Born    = @{ Source = 'birthday'; Type = 'Date'; Format = 'dd.MM.yyyy' }
                        Score   = @{ Source = 'score'; Type = 'Integer' }
                        Country = @{ Value = 'CN' }
                        Status  = @{ Source = 'status'; ValueMap = @{ Active = 'A'; Inactive = 'I' } }
                    } } } }
                function New-Rec($id, $email, $born, $score, $status) {
                    $x = [CrmMigration.CrmRecord]::new('contacts')
                    $x['contact_id'] = $id; $x['email'] = $email; $x['birthday'] = $born; $x['score'] = $score; $x['status'] = $status
                    $x.Key = [CrmMigration.CrmKey]::new($id); $x
                }
                $in = @(
                    New-Rec 'C1' '  Ann@X.COM ' '05.03.2024' '42' 'active'
                    New-Rec 'C2' 'bob@y.org' '31.02.2024' '7' 'Active'
                    New-Rec 'C3' '' '01.01.2000' 'x' 'Inactive'
                    New-Rec 'C4' 'dan@z.net' '' '' 'Retired'
                )
                $in | Convert-CrmRecord -Mapping $map
            ");
            Assert.Null(r.Terminating);
            var c1 = Assert.Single(r.Records());
            Assert.Equal("Contact", c1.Get("Entity"));
            Assert.Equal("C1", c1.Get("Key")!.ToString());
            Assert.Equal("ann@x.com", c1.Get("Email"));
            Assert.Equal(new System.DateTime(2024, 3, 5), c1.Get("Born"));
            Assert.Equal(42L, c1.Get("Score"));
            Assert.Equal("CN", c1.Get("Country"));
            Assert.Equal("A", c1.Get("Status"));
            Assert.Equal(new[] { "Id", "Email", "Born", "Score", "Country", "Status" }, ((System.Collections.Generic.IEnumerable<string>)c1.Get("FieldNames")!).ToArray());
            var ids = r.ErrorIds.ToList();
            Assert.Contains(ids, id => id.StartsWith("RecordTypeConversion,", System.StringComparison.Ordinal)); // 31.02 and 'x'
            Assert.Contains(ids, id => id.StartsWith("RecordRequiredFieldMissing,", System.StringComparison.Ordinal));
            Assert.Contains(ids, id => id.StartsWith("RecordValueNotInMap,", System.StringComparison.Ordinal));
            var conversion = r.Errors.First(e => e.FullyQualifiedErrorId.StartsWith("RecordTypeConversion", System.StringComparison.Ordinal));
            Assert.Equal("CrmMigration.CrmRecord", conversion.TargetObject.GetType().FullName);
            Assert.Contains("Born", conversion.Exception.Message);
        }

        [Fact]
        public void MappingFilesArePsd1DataOrJsonWithOneHash()
        {
            using var ps = new PsSession();
            File.WriteAllText(ps.PathOf("map.psd1"), "@{ Entities = @{ Contact = @{ Source = 'contacts'; Fields = @{ Mail = 'email' } } } }");
            File.WriteAllText(ps.PathOf("map.json"), "{ \"Entities\": { \"Contact\": { \"Source\": \"contacts\", \"Fields\": { \"Mail\": \"email\" } } } }");
            File.WriteAllText(ps.PathOf("evil.psd1"), "@{ Entities = @{ Contact = @{ Source = $(Set-Content -Path pwned.txt -Value 1; 'contacts') } } }");
            var r = ps.Run(@"
                $x = [CrmMigration.CrmRecord]::new('contacts'); $x['email'] = 'a@b.c'
                ($x | Convert-CrmRecord -Mapping ./map.psd1 -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join ';'
                ($x | Convert-CrmRecord -Mapping ./map.json -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join ';'
                ($x | Convert-CrmRecord -Mapping ./map.json).Mail
            ").AssertClean();
            string hashPsd1 = System.Text.RegularExpressions.Regex.Match(r.Output[0].ToString(), "hash ([0-9a-f]{64})").Groups[1].Value;
            string hashJson = System.Text.RegularExpressions.Regex.Match(r.Output[1].ToString(), "hash ([0-9a-f]{64})").Groups[1].Value;
            Assert.NotEmpty(hashPsd1);
            Assert.Equal(hashPsd1, hashJson);
            Assert.Equal("a@b.c", r.Output[2].ToString());

            var evil = ps.Run("[CrmMigration.CrmRecord]::new('contacts') | Convert-CrmRecord -Mapping ./evil.psd1");
            Assert.StartsWith("MappingNotData", evil.FirstError.FullyQualifiedErrorId);
            Assert.False(File.Exists(ps.PathOf("pwned.txt")), "a .psd1 mapping must never run code");

            var typo = ps.Run("[CrmMigration.CrmRecord]::new('contacts') | Convert-CrmRecord -Mapping @{ Entities = @{ C = @{ Fields = @{ A = @{ Tpye = 'String' } } } } }");
            Assert.StartsWith("MappingUnknownKey", typo.FirstError.FullyQualifiedErrorId);
            Assert.Contains("Tpye", typo.FirstError.Exception.Message);
        }

        [Fact]
        public void EntityNamesTabComplete()
        {
            using var ps = new PsSession();
            ps.Run("New-CrmSampleData ./legacy.db -Scale 50 | Out-Null").AssertClean();
            var r = ps.Run("$s = 'Export-CrmData ./legacy.db -Entity con'; (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches | ForEach-Object CompletionText").AssertClean();
            Assert.Equal(new[] { "contacts" }, r.Output.Select(o => o.ToString()).ToArray());
            var all = ps.Run("$s = 'Get-CrmSchema -Path ./legacy.db -Entity '; (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches.Count").AssertClean();
            Assert.Equal(6, (int)all.Output.Single().BaseObject);
        }
    }
}
