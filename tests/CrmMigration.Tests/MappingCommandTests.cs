using System;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace CrmMigration.Tests
{
    /// <summary>Convert-CrmRecord's cleansing, filtering, explaining and rejects, and New-/Test-CrmMapping, through PowerShell.</summary>
    public class MappingCommandTests
    {
        private const string Records = @"
            function New-Rec($id, $name, $email, $tel, $born, $status, $code) {
                $x = [CrmMigration.CrmRecord]::new('contacts')
                $x['id'] = $id; $x['full_name'] = $name; $x['email'] = $email; $x['tel'] = $tel
                $x['born'] = $born; $x['status'] = $status; $x['code'] = $code
                $x.Key = [CrmMigration.CrmKey]::new($id); $x
            }
            $in = @(
                New-Rec '1' 'Wei  Zhang' ' Wei@QQ.COM ' '138 0013 8000' '05/03/24' 'Active' 'CN1'
                New-Rec '2' 'Old Timer' 'old@example.com' '' '01/01/99' 'Deleted' 'CN2'
                New-Rec '3' 'Bad Mail' 'not-an-address' '' '' 'Active' 'CN3'
                New-Rec '4' 'Bad Code' 'b@example.com' '' '' 'Active' '=cmd'
                New-Rec '5' 'Ann Typo' 'ann@gmial.com' '0086 13800138000' '' 'Active' 'CN5'
            )
            $map = @{ Entities = @{ Contact = @{
                Source = 'contacts'; Key = 'Id'
                Where = @( @{ Field = 'status'; NotIn = 'Deleted'; Reason = 'DeletedInLegacy' } )
                Fields = [ordered]@{
                    Id    = 'id'
                    First = @{ Source = 'full_name'; Split = ' '; Part = 0 }
                    Last  = @{ Source = 'full_name'; Split = ' '; Part = -1 }
                    Email = @{ Source = 'email'; Transform = 'Email' }
                    Phone = @{ Source = 'tel'; Transform = 'Phone'; DefaultRegion = 'CN' }
                    Born  = @{ Source = 'born'; Transform = 'Date'; Format = 'dd/MM/yy'; TwoDigitYearMax = 2029 }
                    Code  = @{ Source = 'code'; Pattern = '[A-Z]{2}\d+' }
                } } } }
        ";

        [Fact]
        public void ConvertCleansesExplainsFiltersAndRejectsWithIdsAndFiles()
        {
            using var ps = new PsSession();
            var r = ps.Run(Records + @"
                $in | Convert-CrmRecord -Mapping $map -Explain -RejectPath ./rejects -SummaryVariable sum -Verbose
                $global:summary = $sum
            ");
            Assert.Null(r.Terminating);
            var records = r.Records().ToList();
            Assert.Equal(new[] { "1", "5" }, records.Select(x => x.Get("Key")!.ToString()).ToArray());
            var first = records[0];
            Assert.Equal("Wei", first.Get("First"));
            Assert.Equal("Zhang", first.Get("Last"));
            Assert.Equal("Wei@qq.com", first.Get("Email"));
            Assert.Equal("+8613800138000", first.Get("Phone"));
            Assert.Equal(new DateTime(2024, 3, 5), first.Get("Born"));
            Assert.Equal("+8613800138000", records[1].Get("Phone"));

            var changes = ((System.Collections.IEnumerable)first.Get("Changes")!).Cast<object>().Select(c => c.ToString()!).ToList();
            Assert.Contains("Phone: '138 0013 8000' -> '+8613800138000' (Phone)", changes);
            Assert.Contains("Email: ' Wei@QQ.COM ' -> 'Wei@qq.com' (Email)", changes);
            Assert.Contains(changes, c => c.StartsWith("Born: '05/03/24' -> '2024-03-05' (Date)", StringComparison.Ordinal));

            var ids = r.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]).ToList();
            Assert.Equal(new[] { "RecordInvalidEmail", "RecordPatternMismatch" }, ids);
            Assert.All(r.Errors, e => Assert.Equal("CrmMigration.CrmRecord", e.TargetObject.GetType().FullName));
            Assert.Contains(r.Warnings, w => w.Message.Contains("gmail.com", StringComparison.Ordinal));
            Assert.Contains(r.Verbose, v => v.Message.Contains("DeletedInLegacy", StringComparison.Ordinal) && v.Message.Contains("status NotIn (Deleted)", StringComparison.Ordinal));
            Assert.Contains(r.Verbose, v => v.Message.StartsWith("contacts -> Contact: read 5, converted 2, merged 0, rejected 2, filtered 1", StringComparison.Ordinal));

            var s = ps.Run("$summary | ForEach-Object { $_.Read; $_.Converted; $_.Rejected; $_.Filtered; $_.Warnings; $_.Balanced; $_.FilterReasons['DeletedInLegacy']; $_.RejectReasons['RecordInvalidEmail']; $_.Target }").AssertClean();
            Assert.Equal(new object[] { 5L, 2L, 2L, 1L, 1L, true, 1L, 1L, "Contact" }, s.Output.Select(o => o.BaseObject).ToArray());

            string file = Path.Combine(Directory.GetDirectories(ps.PathOf("rejects")).Single(), "contacts.csv"); // the run's own folder
            Assert.True(File.Exists(file), "the reject file is written");
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, File.ReadAllBytes(file).Take(3).ToArray());
            var lines = File.ReadAllLines(file);
            Assert.Equal("id,full_name,email,tel,born,status,code,RejectReason,RejectMessage", lines[0]);
            Assert.Equal(3, lines.Length);
            Assert.StartsWith("3,Bad Mail,not-an-address,", lines[1]);
            Assert.Contains(",RecordInvalidEmail,", lines[1]);
            Assert.StartsWith("4,Bad Code,b@example.com,", lines[2]);
            Assert.Contains("'=cmd", lines[2]);
            Assert.Contains(",RecordPatternMismatch,", lines[2]);

            var back = ps.Run("Export-CrmData -Path ([System.IO.Directory]::GetDirectories($PWD.Path + '/rejects')[0]) -Entity contacts | ForEach-Object { $_.code + '|' + $_.RejectReason }").AssertClean();
            Assert.Equal(new[] { "CN3|RecordInvalidEmail", "=cmd|RecordPatternMismatch" }, back.Output.Select(o => o.ToString()).ToArray());
        }

        [Fact]
        public void ScriptblockTransformsRunFromAHashtableButNeverFromAFile()
        {
            using var ps = new PsSession();
            var r = ps.Run(@"
                $x = [CrmMigration.CrmRecord]::new('contacts'); $x['id'] = '7'; $x['revenue'] = '250000'; $x['name'] = 'acme'
                $map = @{ Entities = @{ Account = @{ Source = 'contacts'; Fields = [ordered]@{
                    Id = 'id'
                    Tier = @{ Source = 'revenue'; Transform = 'Trim', { param($value, $record) if ([decimal]$value -gt 100000) { 'Gold:' + $record.name } else { 'Standard' } } }
                    Fail = @{ Source = 'name'; Transform = { param($value) throw 'no way' } }
                } } } }
                $x | Convert-CrmRecord $map -ErrorAction SilentlyContinue -ErrorVariable e
                $e[0].FullyQualifiedErrorId
                $map.Entities.Account.Fields.Remove('Fail')
                ($x | Convert-CrmRecord $map).Tier
            ");
            Assert.Null(r.Terminating);
            Assert.StartsWith("RecordTransformFailed,", r.Output[0].ToString());
            Assert.Equal("Gold:acme", r.Output[1].ToString());

            File.WriteAllText(ps.PathOf("code.psd1"), "@{ Entities = @{ A = @{ Fields = @{ X = @{ Transform = { param($value) $value } } } } } }");
            var file = ps.Run("[CrmMigration.CrmRecord]::new('A') | Convert-CrmRecord -Mapping ./code.psd1");
            Assert.StartsWith("MappingNotData", file.FirstError.FullyQualifiedErrorId);
            var asValue = ps.Run("[CrmMigration.CrmRecord]::new('A') | Convert-CrmRecord -Mapping @{ Entities = @{ A = @{ Fields = @{ X = @{ Value = { 1 } } } } } }");
            Assert.StartsWith("MappingScriptBlockNotSupported", asValue.FirstError.FullyQualifiedErrorId);
        }

        private static void WriteSchemas(PsSession ps)
        {
            Directory.CreateDirectory(ps.PathOf("src"));
            Directory.CreateDirectory(ps.PathOf("tgt"));
            File.WriteAllText(ps.PathOf("src/contacts.csv"), "id,full_name,e_mail,tel,born,status,fax\n1,Wei Zhang,wei@qq.com,138 0013 8000,2024-03-05,A,\n2,Ann Lee,ann@example.com,,1990-01-02,I,\n");
            File.WriteAllText(ps.PathOf("tgt/Contact.csv"), "Id,FullName,Email,Phone,Born,Status,Segment\n");
            File.WriteAllText(ps.PathOf("tgt/Contact.csv-metadata.json"),
                "{\"url\":\"Contact.csv\",\"tableSchema\":{\"columns\":[{\"name\":\"Id\",\"datatype\":\"Integer\"},{\"name\":\"FullName\",\"datatype\":\"String\"},{\"name\":\"Email\",\"datatype\":\"String\"},{\"name\":\"Phone\",\"datatype\":\"String\"},{\"name\":\"Born\",\"datatype\":\"Date\"},{\"name\":\"Status\",\"datatype\":\"String\"},{\"name\":\"Segment\",\"datatype\":\"String\"}],\"primaryKey\":[\"Id\"]}}");
            File.WriteAllText(ps.PathOf("tgt/Account.csv"), "AccountCode,Name\n");
            File.WriteAllText(ps.PathOf("tgt/Account.csv-metadata.json"),
                "{\"url\":\"Account.csv\",\"tableSchema\":{\"columns\":[{\"name\":\"AccountCode\",\"datatype\":\"String\"},{\"name\":\"Name\",\"datatype\":\"String\"}],\"primaryKey\":[\"AccountCode\"]}}");
        }

        [Fact]
        public void NewCrmMappingDraftsAMappingThatLoadsAndConverts()
        {
            using var ps = new PsSession();
            WriteSchemas(ps);
            var r = ps.Run(@"
                (New-CrmMapping -Source ./src -Target ./tgt -Path ./map.psd1).Name
                try { New-CrmMapping ./src ./tgt -Path ./map.psd1 } catch { $_.FullyQualifiedErrorId }
                $null = New-CrmMapping ./src ./tgt -Path ./map.json
                $a = Export-CrmData ./src -Entity contacts | Convert-CrmRecord ./map.psd1
                $b = Export-CrmData ./src -Entity contacts | Convert-CrmRecord ./map.json
                $a.Count; $a[0].Id.GetType().Name; $a[0].Email; $a[0].Phone; $a[1].Born.ToString('yyyy-MM-dd'); $b[1].FullName
                [IO.File]::ReadAllText($TestDir + '/map.psd1')
            ");
            r.AssertClean();
            var o = r.Output.Select(x => x.ToString()).ToList();
            Assert.Equal("map.psd1", o[0]);
            Assert.StartsWith("MappingFileExists", o[1]);
            Assert.Equal(new[] { "2", "Int64", "wei@qq.com", "138 0013 8000", "1990-01-02", "Ann Lee" }, o.Skip(2).Take(6).ToArray());
            string text = o[8];
            Assert.Contains("Id = @{ Source = 'id'; Type = 'Integer' }", text);
            Assert.Contains("Email = @{ Source = 'e_mail' }", text);
            Assert.Contains("Phone = @{ Source = 'tel' }", text);
            Assert.Contains("# TODO: no source field matches 'Segment'", text);
            Assert.Contains("# Source fields no target field reads: fax", text);
            Assert.Contains("# TODO: no source entity matches the target entity 'Account'", text);

            var whatIf = ps.Run("New-CrmMapping ./src ./tgt -Path ./other.psd1 -WhatIf").AssertClean();
            Assert.False(File.Exists(ps.PathOf("other.psd1")));
            var printed = ps.Run("New-CrmMapping ./src ./tgt").AssertClean();
            Assert.Contains("Source = 'contacts'", printed.Output.Single().ToString());
        }

        [Fact]
        public void TestCrmMappingReportsOneFindingPerProblem()
        {
            using var ps = new PsSession();
            WriteSchemas(ps);
            var r = ps.Run(@"
                $map = @{ Entities = @(
                    @{ Name = 'Contact'; Source = 'contacts'; Fields = @{ Id = 'id' } }
                    @{ Name = 'Contact'; Source = 'contacts'; Fields = @{ Email = 'email' } }
                ) }
                Test-CrmMapping -Mapping $map -Source ./src -Target ./tgt
            ");
            // One source mapped twice into the same target entity: the mapping itself is wrong, so the command stops.
            // (One source into several target entities is allowed: a denormalised export.)
            Assert.StartsWith("MappingDuplicateSource", r.FirstError.FullyQualifiedErrorId);

            r = ps.Run(@"
                $map = @{ Entities = [ordered]@{
                    Contact = @{ Source = 'contacts'; Key = 'Id'; Where = @{ Field = 'state'; Equals = 'A' }; Fields = [ordered]@{
                        Id = @{ Source = 'id'; Type = 'Date' }
                        Email = 'email'
                        Born = 'born'
                        Nope = 'status'
                        Segment = @{ Source = 'status'; Reference = 'Segments' }
                    } }
                    Ghost = @{ Source = 'ghosts'; Fields = @{ X = 'x' } }
                } }
                Test-CrmMapping -Mapping $map -Source ./src -Target ./tgt | ForEach-Object { '{0} {1} {2} {3}' -f $_.Severity, $_.Code, $_.Entity, $_.Field }
                Test-CrmMapping -Mapping $map -Source ./src -Target ./tgt -Quiet
                $ok = @{ Entities = @{ Account = @{ Source = 'contacts'; Fields = [ordered]@{ AccountCode = 'id'; Name = 'full_name' } } } }
                Test-CrmMapping -Mapping $ok -Source ./src -Target ./tgt -Quiet
                $missing = @{ Entities = @{ Account = @{ Source = 'contacts'; Fields = @{ Name = 'full_name' } } } }
                Test-CrmMapping -Mapping $missing -Source ./src -Target ./tgt | ForEach-Object { '{0} {1} {2} {3}' -f $_.Severity, $_.Code, $_.Entity, $_.Field }
            ").AssertClean();
            var o = r.Output.Select(x => x.ToString()).ToList();
            Assert.Contains("Error UnknownSourceField Contact Email", o);
            Assert.Contains("Error UnknownSourceField Contact state", o);
            Assert.Contains("Warning TypeClash Contact Born", o);
            Assert.Contains("Error UnknownTargetField Contact Nope", o);
            Assert.Contains("Error TypeClash Contact Id", o);
            Assert.Contains("Warning UnknownReference Contact Segment", o);
            Assert.Contains("Error UnknownSourceEntity Ghost ", o);
            Assert.Contains("Warning UnknownTargetEntity Ghost ", o);
            int quiet = o.IndexOf("False");
            Assert.True(quiet > 0, "-Quiet returns $false when there are errors");
            Assert.Equal("True", o[quiet + 1]);
            Assert.Equal("Error UnmappedRequiredField Account AccountCode", o[quiet + 2]);
            Assert.Equal(quiet + 3, o.Count);
        }
    }
}
