using System;
using System.IO;
using System.Linq;
using System.Text;

namespace CrmMigration.Tests
{
    public class PipelineTests
    {
        private const string MakePeople = @"
            function New-Person([long]$id, [string]$name, [decimal]$amount, [datetime]$born, [bool]$vip) {
                $r = [CrmMigration.CrmRecord]::new('people')
                $r['id'] = $id; $r['name'] = $name; $r['amount'] = $amount; $r['born'] = $born; $r['vip'] = $vip
                $r.Key = [CrmMigration.CrmKey]::new([string]$id); $r
            }
            $people = @(
                New-Person 1 '张伟, ""the boss""' 1234.5678 '2024-03-05' $true
                New-Person 2 ""Zoë`nMüller"" 0.1 '1999-12-31' $false
                New-Person 3 '=HYPERLINK(""http://x"")' -5 '2000-01-01' $false
            )";

        [Fact]
        public void SqliteToCsvToExcelToSqliteKeepsEveryValueAndType()
        {
            using var ps = new PsSession();
            var r = ps.Run(MakePeople + @"
                $people | Import-CrmData -Path ./a.db -Create | Out-Null
                Export-CrmData ./a.db | Import-CrmData -Path ./csv | Out-Null
                Export-CrmData ./csv | Import-CrmData -Path ./book.xlsx | Out-Null
                Export-CrmData ./book.xlsx | Import-CrmData -Path ./b.db -Create | Out-Null
                Export-CrmData ./b.db -Entity people
            ").AssertClean();
            var back = r.Records().ToList();
            Assert.Equal(3, back.Count);
            var first = back.Single(x => (long)x.Get("id")! == 1);
            Assert.Equal("张伟, \"the boss\"", first.Get("name"));
            Assert.Equal(1234.5678m, first.Get("amount"));
            Assert.Equal(new DateTime(2024, 3, 5), first.Get("born"));
            Assert.Equal(true, first.Get("vip"));
            Assert.Equal("1", first.Get("Key")!.ToString());
            var second = back.Single(x => (long)x.Get("id")! == 2);
            Assert.Equal("Zoë\nMüller", second.Get("name"));
            Assert.Equal(0.1m, second.Get("amount"));
            var third = back.Single(x => (long)x.Get("id")! == 3);
            Assert.Equal("=HYPERLINK(\"http://x\")", third.Get("name"));
            Assert.Equal(-5m, third.Get("amount"));
            // the CSV on disk is safe to open in a spreadsheet: the formula is escaped, the negative number is not
            string csv = File.ReadAllText(ps.PathOf("csv/people.csv"));
            Assert.Contains("'=HYPERLINK", csv);
            Assert.Contains(",-5,", csv);
            Assert.Equal(new byte[] { 0xEF, 0xBB, 0xBF }, File.ReadAllBytes(ps.PathOf("csv/people.csv")).Take(3).ToArray());
        }

        [Fact]
        public void ImportSummariesAccountForEveryRecordAndUpsertSkipsUnchanged()
        {
            using var ps = new PsSession();
            var r = ps.Run(MakePeople + @"
                $first = $people | Import-CrmData -Path ./a.db -Create
                $again = $people | Import-CrmData -Path ./a.db -NoLedger
                $people[1]['amount'] = [decimal]2.5
                $up = $people | Import-CrmData -Path ./a.db -Mode Upsert
                $first; $again; $up
            ");
            Assert.Null(r.Terminating);
            var summaries = r.OfType("CrmMigration.CrmImportSummary").ToList();
            Assert.Equal(3, summaries.Count);
            Assert.Equal(3L, summaries[0].Get("Inserted"));
            Assert.Equal(3L, summaries[1].Get("Rejected"));       // Insert mode: the keys exist
            Assert.Equal(3, r.Errors.Count(e => e.FullyQualifiedErrorId.StartsWith("DuplicateKey,", StringComparison.Ordinal)));
            Assert.Equal(1L, summaries[2].Get("Updated"));
            Assert.Equal(2L, summaries[2].Get("Skipped"));
            foreach (var s in summaries) Assert.Equal(true, s.Get("Balanced"));
        }

        [Fact]
        public void WhatIfWritesNothingAndSaysWhatWouldHappen()
        {
            using var ps = new PsSession();
            var setup = ps.Run(MakePeople + "\n$people | Import-CrmData -Path ./a.db -Create | Out-Null").AssertClean();
            byte[] before = File.ReadAllBytes(ps.PathOf("a.db"));
            var r = ps.Run(MakePeople + @"
                $people[0]['amount'] = [decimal]99
                $n = New-Person 4 'New' 1 '2020-01-01' $false
                @($people) + $n | Import-CrmData -Path ./a.db -Mode Upsert -WhatIf -PassThru
            ").AssertClean();
            var outcomes = r.OfType("CrmMigration.CrmRecordOutcome").ToList();
            Assert.Equal(4, outcomes.Count);
            Assert.All(outcomes, o => Assert.Equal(true, o.Get("WhatIf")));
            Assert.Equal("Updated", outcomes.Single(o => (string?)o.Get("Key") == "1").Get("Outcome")!.ToString());
            Assert.Equal("Skipped", outcomes.Single(o => (string?)o.Get("Key") == "2").Get("Outcome")!.ToString());
            Assert.Equal("Inserted", outcomes.Single(o => (string?)o.Get("Key") == "4").Get("Outcome")!.ToString());
            var count = ps.Run("(Export-CrmData ./a.db -Entity people | Where-Object id -eq 4)").AssertClean();
            Assert.Empty(count.Records());
            var amount = ps.Run("(Export-CrmData ./a.db -Entity people | Where-Object id -eq 1).amount").AssertClean();
            Assert.Equal(1234.5678m, amount.Output.Single().BaseObject);
        }

        [Fact]
        public void HostileCsvGivesErrorRecordsNamingFileAndLineAndLosesNothingElse()
        {
            using var ps = new PsSession();
            string file = ps.PathOf("contacts.csv");
            File.WriteAllText(file, "id,name,email\n1,Ann,ann@x.com\n2,Bob\n3,\"Cy, \"\"Jr\"\"\",cy@x.com\n4,Dee,dee@x.com,extra\n5,Eve,eve@x.com\n", new UTF8Encoding(false));
            // The short row (2,Bob) reads its missing email as empty (one warning), as Import-Csv does; -RejectShortRows makes it an error.
            var lenient = ps.Run("Export-CrmData -Path ./contacts.csv -WarningVariable w -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | ForEach-Object { $_.id }; $w.Count");
            Assert.Equal(new[] { "1", "2", "3", "5", "1" }, lenient.Output.Select(o => o.ToString()).ToArray());
            var r = ps.Run("Export-CrmData -Connection (New-CrmConnection Csv ./contacts.csv -RejectShortRows) | ForEach-Object { $_.id }");
            Assert.Null(r.Terminating);
            Assert.Equal(new[] { "1", "3", "5" }, r.Output.Select(o => o.ToString()).ToArray());
            var ragged = r.Errors.Where(e => e.FullyQualifiedErrorId.StartsWith("CsvRaggedRow,", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, ragged.Count);
            Assert.Contains("contacts.csv:3", ragged[0].Exception.Message);
            Assert.Contains("contacts.csv:5", ragged[1].Exception.Message);
            Assert.Equal("Export-CrmData", ragged[0].InvocationInfo.MyCommand.Name);
        }

        [Fact]
        public void Gb18030AndUtf16FilesReadTheSameText()
        {
            using var ps = new PsSession();
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            string text = "id,name\n1,张伟\n2,王芳\n";
            File.WriteAllBytes(ps.PathOf("gb.csv"), Encoding.GetEncoding(54936).GetBytes(text));
            File.WriteAllBytes(ps.PathOf("u16.csv"), Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(text)).ToArray());
            var r = ps.Run(@"
                (Export-CrmData -Path ./gb.csv | ForEach-Object name) -join ','
                (Export-CrmData (New-CrmConnection Csv ./gb.csv -Encoding gb18030) | ForEach-Object name) -join ','
                (Export-CrmData -Path ./u16.csv | ForEach-Object name) -join ','
            ").AssertClean();
            Assert.All(r.Output, o => Assert.Equal("张伟,王芳", o.ToString()));
        }

        [Fact]
        public void ExportWritesProgressAndAlwaysCompletesIt()
        {
            using var ps = new PsSession();
            var r = ps.Run(@"
                $rows = foreach ($i in 1..3000) { $x = [CrmMigration.CrmRecord]::new('t'); $x['id'] = [long]$i; $x.Key = [CrmMigration.CrmKey]::new([string]$i); $x }
                $rows | Import-CrmData -Path ./p.db -Create | Out-Null
                (Export-CrmData ./p.db -Entity t | Where-Object { $true }).Count
            ").AssertClean();
            Assert.Equal(3000, (int)r.Output.Last().BaseObject);
            Assert.Contains(r.Progress, p => p.Activity.Contains("Export-CrmData", StringComparison.Ordinal) && p.RecordType == System.Management.Automation.ProgressRecordType.Completed);
        }

        [Fact]
        public void ModuleWorksWhenAnotherVersionOfItsCsvLibraryIsAlreadyLoaded()
        {
            // The test process references CsvHelper 30.0.1, as another module in the session might.
            var other = typeof(CsvHelper.CsvReader).Assembly;
            Assert.Equal(30, other.GetName().Version!.Major);
            using var ps = new PsSession();
            File.WriteAllText(ps.PathOf("c.csv"), "id,name\n1,Ann\n2,Bob\n");
            var r = ps.Run(@"
                (Export-CrmData -Path ./c.csv | ForEach-Object name) -join ','
                $ctx = [CrmMigration.Loading.EngineLoadContext]::Instance
                ($ctx.Assemblies | Where-Object { $_.GetName().Name -eq 'CsvHelper' }).GetName().Version.Major
                ([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { $_.GetName().Name -eq 'CsvHelper' }).GetName().Version.Major
                ([System.Runtime.Loader.AssemblyLoadContext]::Default.Assemblies | Where-Object { $_.GetName().Name -eq 'CrmMigration.Engine' }).Count
            ").AssertClean();
            Assert.Equal("Ann,Bob", r.Output[0].ToString());
            Assert.Equal(34, (int)r.Output[1].BaseObject);
            Assert.Equal(30, (int)r.Output[2].BaseObject);
            Assert.Equal(0, (int)r.Output[3].BaseObject);
        }

        [Fact]
        public void APathWhoseProviderCannotBeToldStopsWithItsOwnId()
        {
            using var ps = new PsSession();
            System.IO.File.WriteAllText(ps.PathOf("data.weird"), "x");
            foreach (var cmd in new[] { "Export-CrmData -Path ./data.weird", "Get-CrmSchema -Path ./data.weird", "$null | Import-CrmData -Path ./data.weird" })
            {
                var r = ps.Run(cmd);
                Assert.StartsWith("PathProviderUnknown,", r.FirstError.FullyQualifiedErrorId);
            }
        }

        [Fact]
        public void TestCrmMigrationComparesFieldValuesAgainstTheMappedSource()
        {
            using var ps = new PsSession();
            var r = ps.Run(@"
                New-CrmSampleData ./legacy.db -Seed 9 -Scale 300 | Out-Null
                $map = @{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
                    Id = 'contact_id'; Email = @{ Source = 'email'; Transform = 'Trim', 'Lower', 'EmptyToNull' }; City = @{ Source = 'city'; Transform = 'Trim' } } } } }
                Export-CrmData ./legacy.db -Entity contacts | Convert-CrmRecord -Mapping $map | Import-CrmData ./new.db -Create | Out-Null
                (Test-CrmMigration ./legacy.db ./new.db -Mapping $map | Where-Object Check -eq 'FieldValues').Status
                # someone edits the target behind the migration's back
                Export-CrmData ./new.db -Entity Contact -Filter @{ Id = 'P0000003' } | ForEach-Object { $_.City = 'Atlantis'; $_ } | Import-CrmData ./new.db -Mode Upsert -NoLedger | Out-Null
                $check = Test-CrmMigration ./legacy.db ./new.db -Mapping $map | Where-Object Check -eq 'FieldValues'
                $check.Status; $check.Actual; $check.Details; $check.Samples -join ','
                Test-CrmMigration ./legacy.db ./new.db -Mapping $map -Quiet
            ").AssertClean();
            Assert.Equal("Pass", r.Output[0].ToString());   // lower-cased, trimmed e-mails are not false alarms
            Assert.Equal("Fail", r.Output[1].ToString());
            Assert.Equal(1L, r.Output[2].BaseObject);
            Assert.Contains("key P0000003 field City", r.Output[3].ToString());
            Assert.Contains("'Atlantis'", r.Output[3].ToString());
            Assert.Equal("P0000003", r.Output[4].ToString());
            Assert.Equal(false, r.Output[5].BaseObject);
        }

        [Fact]
        public void ParentsLandBeforeChildrenInATargetThatEnforcesForeignKeys()
        {
            using var ps = new PsSession();
            ps.Run("New-CrmSampleData ./legacy.db -Seed 4 -Scale 600 | Out-Null").AssertClean();
            // a target whose contacts reference accounts with an enforced foreign key
            var sql = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sqlite3", new[] { ps.PathOf("fk.db"),
                "CREATE TABLE accounts(account_id TEXT PRIMARY KEY, name TEXT); CREATE TABLE contacts(contact_id TEXT PRIMARY KEY, account_id TEXT REFERENCES accounts(account_id), last_name TEXT);" }) { UseShellExecute = false })!;
            sql.WaitForExit();
            Assert.Equal(0, sql.ExitCode);
            var r = ps.Run(@"
                $keep = @{ accounts = 'account_id','name'; contacts = 'contact_id','account_id','last_name' }
                Export-CrmData ./legacy.db -Entity accounts, contacts | ForEach-Object {
                    $rec = [CrmMigration.CrmRecord]::new($_.Entity); $src = $_
                    foreach ($f in $keep[$_.Entity]) { $rec[$f] = $src[$f] }
                    $rec.Key = $_.Key; $rec
                } | Import-CrmData ./fk.db -BatchSize 100 -ErrorVariable bad -ErrorAction SilentlyContinue
                @($bad | Where-Object { $_.FullyQualifiedErrorId -like 'MissingParent*' }).Count
            ");
            Assert.Null(r.Terminating);
            var summaries = r.OfType("CrmMigration.CrmImportSummary").ToList();
            var accounts = summaries.Single(s => (string)s.Get("Entity")! == "accounts");
            var contacts = summaries.Single(s => (string)s.Get("Entity")! == "contacts");
            Assert.Equal(60L, accounts.Get("Inserted"));
            // only the sample's orphaned contacts (account_id that no account has) are refused: MissingParent, before the foreign key would
            long orphans = (long)contacts.Get("Rejected")!;
            Assert.Equal(600L - orphans, contacts.Get("Inserted"));
            Assert.True(orphans > 0 && orphans < 60, $"orphans: {orphans}");
            Assert.Equal((int)orphans, (int)r.Output.Last().BaseObject);
        }
    
        [Fact]
        public void MappingReferencesRejectOrphansWithMissingParent_InTheSummaryLedgerAndRejectFile()
        {
            using var ps = new PsSession();
            ps.Run("New-CrmSampleData ./legacy.db -Seed 7 -Scale 800 | Out-Null").AssertClean();
            var r = ps.Run(@"
                $map = @{ Entities = @{
                    Account = @{ Source = 'accounts'; Key = 'Id'; Fields = @{ Id = @{ Source = 'account_id'; Transform = 'Lower' }; Name = 'name' } }
                    Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = @{ Id = 'contact_id'; LastName = 'last_name'
                        AccountId = @{ Source = 'account_id'; Reference = 'Account' } } } } }
                Export-CrmData ./legacy.db -Entity accounts, contacts | Convert-CrmRecord -Mapping $map |
                    Import-CrmData ./new.db -Create -RejectPath ./rejects -ErrorVariable bad -ErrorAction SilentlyContinue
                @($bad | Where-Object { $_.FullyQualifiedErrorId -like 'MissingParent,*' }).Count
                @(Get-CrmMigrationRecord -StatePath ./new.db.crm-ledger.sqlite -ReasonCode MissingParent).Count
                @(Export-CrmData ([System.IO.Directory]::GetDirectories($PWD.Path + '/rejects')[0] + '/Contact.csv') | Where-Object { $_.RejectReason -eq 'MissingParent' }).Count
                Test-CrmMigration ./legacy.db ./new.db -Mapping $map
            ");
            Assert.Null(r.Terminating);
            var contacts = r.OfType("CrmMigration.CrmImportSummary").Single(s => (string)s.Get("Entity")! == "Contact");
            var reasons = (System.Collections.Generic.IDictionary<string, long>)contacts.Get("RejectReasons")!;
            long missing = reasons["MissingParent"];
            Assert.True(missing > 0, "the sample plants orphaned contacts");
            var counts = r.Output.Where(o => o.BaseObject is int).Select(o => (int)o.BaseObject).ToList();
            Assert.Equal(new[] { (int)missing, (int)missing, (int)missing }, counts);
            // the target holds no contact whose account it lacks, and every contact with an account landed
            string Sql(string q)
            {
                var p = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sqlite3", new[] { ps.PathOf("new.db"), q }) { UseShellExecute = false, RedirectStandardOutput = true })!;
                string o = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                return o;
            }
            Assert.Equal("0", Sql("SELECT COUNT(*) FROM Contact c WHERE c.AccountId IS NOT NULL AND NOT EXISTS (SELECT 1 FROM Account a WHERE a.Id = c.AccountId)"));
            Assert.Equal(((long)contacts.Get("Inserted")!).ToString(System.Globalization.CultureInfo.InvariantCulture), Sql("SELECT COUNT(*) FROM Contact"));
            // the keys changed (lower-cased accounts): references were translated through the crosswalk, not rejected
            Assert.Equal("0", Sql("SELECT COUNT(*) FROM Contact WHERE AccountId <> lower(AccountId)"));
            Assert.True((long)contacts.Get("Inserted")! > 10 * missing);
            // Test-CrmMigration compares translated references, and explains the missing contacts from the ledger
            var checks = r.OfType("CrmMigration.CrmValidationResult").ToDictionary(c => (string)c.Get("Entity")! + "/" + (string)c.Get("Check")!, c => c.Get("Status")!.ToString());
            Assert.Equal("Pass", checks["contacts -> Contact/FieldValues"]);
            Assert.Equal("Warning", checks["contacts -> Contact/MissingKeys"]);
            Assert.Equal("Warning", checks["contacts -> Contact/Count"]);
            Assert.Equal("Pass", checks["accounts -> Account/MissingKeys"]);
            Assert.Equal("Pass", checks["accounts -> Account/FieldValues"]);
            // a ledger named but absent is an error, not a silent fall-back to failing checks
            var noLedger = ps.Run("Test-CrmMigration ./legacy.db ./new.db -StatePath ./no-such-ledger.sqlite");
            Assert.StartsWith("LedgerNotFound", noLedger.FirstError.FullyQualifiedErrorId, StringComparison.Ordinal);
        }

        [Fact]
        public void IncludeRejectedPutsMappingRejectsAndFiltersIntoTheImportBooksAndLedger()
        {
            using var ps = new PsSession();
            ps.Run("New-CrmSampleData ./legacy.db -Seed 11 -Scale 500 | Out-Null").AssertClean();
            var r = ps.Run(@"
                $map = @{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'
                    Where = @( @{ Field = 'country'; NotIn = 'CN'; Reason = 'NotOurMarket' } )
                    Fields = @{ Id = 'contact_id'; LastName = @{ Source = 'last_name'; Required = $true }; Country = 'country' } } } }
                Export-CrmData ./legacy.db -Entity contacts | Convert-CrmRecord -Mapping $map -IncludeRejected -SummaryVariable conv -ErrorVariable convErrors -ErrorAction SilentlyContinue |
                    Import-CrmData ./new.db -Create -ErrorVariable importErrors -ErrorAction SilentlyContinue
                $conv[0]
                $convErrors.Count
                $importErrors.Count
                @(Get-CrmMigrationRecord -StatePath ./new.db.crm-ledger.sqlite -ReasonCode RecordRequiredFieldMissing).Count
                @(Get-CrmMigrationRecord -StatePath ./new.db.crm-ledger.sqlite -Outcome Filtered).Count
            ");
            Assert.Null(r.Terminating);
            var import = r.OfType("CrmMigration.CrmImportSummary").Single();
            var conv = r.Output.Single(o => o.BaseObject.GetType().Name == "CrmConvertSummary");
            long read = (long)conv.Get("Read")!, rejected = (long)conv.Get("Rejected")!, filtered = (long)conv.Get("Filtered")!;
            Assert.Equal(500L, read);
            Assert.True(rejected > 0 && filtered > 0, $"rejected {rejected}, filtered {filtered}");
            Assert.Equal(read, import.Get("Read"));
            Assert.Equal(rejected, import.Get("Rejected"));
            Assert.Equal(filtered, import.Get("Filtered"));
            Assert.Equal(read - rejected - filtered, import.Get("Inserted"));
            var ints = r.Output.Where(o => o.BaseObject is int).Select(o => (int)o.BaseObject).ToList();
            Assert.Equal((int)rejected, ints[0]);    // each mapping reject reported once, by Convert-CrmRecord
            Assert.Equal(0, ints[1]);                // and not again by Import-CrmData
            Assert.Equal((int)rejected, ints[2]);    // the ledger has them with their reason
            Assert.Equal((int)filtered, ints[3]);
        }
    }
}
