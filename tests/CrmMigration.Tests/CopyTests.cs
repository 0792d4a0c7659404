using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;

namespace CrmMigration.Tests
{
    /// <summary>Copy-CrmData: the three-cmdlet migration in one command, checked against the pipeline, the ledger and real servers.</summary>
    public class CopyTests
    {
        private static string Map => Path.Combine(Repo.Root, "examples", "legacy-to-new.psd1").Replace("'", "''", StringComparison.Ordinal);
        private const string Mapped = "accounts, contacts, opportunities";

        private static PsSession WithLegacy(int scale)
        {
            var ps = new PsSession();
            ps.Run($"New-CrmSampleData ./legacy.db -Seed 5 -Scale {scale} | Out-Null").AssertClean();
            return ps;
        }

        /// <summary>Every record of an entity as 'field=value|...' lines, sorted.</summary>
        private static List<string> Rows(PsSession ps, string system, string entity)
        {
            var r = ps.Run($@"Export-CrmData '{system}' -Entity {entity} | ForEach-Object {{ $rec = $_; ($rec.FieldNames | ForEach-Object {{ $_ + '=' + [string]$rec[$_] }}) -join '|' }}").AssertClean();
            return r.Output.Select(o => o.ToString()).OrderBy(s => s, StringComparer.Ordinal).ToList();
        }

        private static void AssertMigrationPasses(PsSession ps, string source, string target, string mapping = "$Mapping")
        {
            var check = ps.Run($"Test-CrmMigration -Source {source} -Target {target} -Mapping {mapping}", new Dictionary<string, object?> { ["Mapping"] = Map.Replace("''", "'", StringComparison.Ordinal) }).AssertClean();
            var results = check.OfType("CrmMigration.CrmValidationResult").ToList();
            Assert.NotEmpty(results);
            // Pass, or Warning when the only difference is records the import rejected with a reason (MissingParent), as its ledger says
            foreach (var r in results) Assert.True(r.Get("Status")!.ToString() == "Pass" || r.Get("Status")!.ToString() == "Warning" && (r.Get("Details")!.ToString()!.Contains("the import did not land", StringComparison.Ordinal) || r.Get("Details")!.ToString()!.Contains("ledger records", StringComparison.Ordinal)), $"{r.Get("Check")} {r.Get("Entity")}: {r.Get("Status")} {r.Get("Details")}");
        }

        /// <summary>A reject file in whichever run folder under <paramref name="folder"/> holds it.</summary>
        private static string RejectFile(PsSession ps, string folder, string name) =>
            Directory.GetFiles(ps.PathOf(folder), name, SearchOption.AllDirectories).Single();

        [Fact]
        public void CopyGivesExactlyTheTargetAndRejectFilesOfThePipeline()
        {
            using var ps = WithLegacy(1000);
            var pipe = ps.Run($"Export-CrmData ./legacy.db -Entity {Mapped} | Convert-CrmRecord -Mapping '{Map}' -RejectPath ./rejects-pipe | Import-CrmData ./pipe.db -Create -RejectPath ./rejects-pipe");
            Assert.Null(pipe.Terminating);
            var copy = ps.Run($"Copy-CrmData ./legacy.db ./copy.db -Mapping '{Map}' -Create -RejectPath ./rejects-copy");
            Assert.Null(copy.Terminating);
            // the same errors, with the same ids, as Convert-CrmRecord wrote
            var pipeErrors = pipe.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0] + " " + e.Exception.Message.Replace("pipe.db", "target.db", StringComparison.Ordinal)).OrderBy(x => x, StringComparer.Ordinal).ToList();
            var copyErrors = copy.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0] + " " + e.Exception.Message.Replace("copy.db", "target.db", StringComparison.Ordinal)).OrderBy(x => x, StringComparer.Ordinal).ToList();
            Assert.Equal(string.Join("\n", pipeErrors), string.Join("\n", copyErrors));
            Assert.NotEmpty(copy.Errors);

            AssertMigrationPasses(ps, "./legacy.db", "./copy.db");
            foreach (var entity in new[] { "Account", "Contact", "Opportunity" })
            {
                var expected = Rows(ps, "./pipe.db", entity);
                Assert.NotEmpty(expected);
                Assert.Equal(expected, Rows(ps, "./copy.db", entity));
            }
            // Each run writes into its own folder under -RejectPath (the pipeline's two commands into one each).
            Assert.Equal(File.ReadAllText(RejectFile(ps, "rejects-pipe", "contacts.csv")), File.ReadAllText(RejectFile(ps, "rejects-copy", "contacts.csv")));
            Assert.Equal(File.ReadAllText(RejectFile(ps, "rejects-pipe", "Contact.csv")).Replace("pipe.db", "target.db", StringComparison.Ordinal),
                File.ReadAllText(RejectFile(ps, "rejects-copy", "Contact.csv")).Replace("copy.db", "target.db", StringComparison.Ordinal)); // MissingParent, from the import

            // the summaries: the pipeline's Import never saw the mapping's rejects, the copy counts them
            var piped = pipe.OfType("CrmMigration.CrmImportSummary").ToDictionary(s => s.Get("Entity")!.ToString()!);
            var copied = copy.OfType("CrmMigration.CrmImportSummary").ToList();
            Assert.Equal(new[] { "Account", "Contact", "Opportunity" }, copied.Select(s => s.Get("Entity")!.ToString()).ToArray());
            foreach (var s in copied)
            {
                var p = piped[s.Get("Entity")!.ToString()!];
                Assert.Equal(p.Get("Inserted"), s.Get("Inserted"));
                Assert.Equal(true, s.Get("Balanced"));
                // the copy's extra reads are exactly the mapping's rejects (the target's rejects, MissingParent, are in both)
                Assert.Equal((long)p.Get("Read")! + (long)s.Get("Rejected")! - (long)p.Get("Rejected")!, (long)s.Get("Read")!);
            }
        }

        [Fact]
        public void BooksBalanceWithMappingRejectsAndFilteredRecordsAndTheLedgerRecordsThem()
        {
            using var ps = WithLegacy(1000);
            var r = ps.Run(@"
                $map = @{ Entities = @{ Person = @{
                    Source = 'contacts'; Key = 'Id'
                    Where = @( @{ Field = 'contact_id'; NotLike = 'P00001??'; Reason = 'HundredsBlock' } )
                    Fields = [ordered]@{ Id = 'contact_id'; Last = @{ Source = 'last_name'; Required = $true }; Email = 'email' } } } }
                Copy-CrmData ./legacy.db ./new.db -Mapping $map -Create -RejectPath ./rejects -ErrorVariable ev -ErrorAction SilentlyContinue
                $ev.Count
                (Get-CrmMigrationRecord ./new.db -Outcome Filtered | Where-Object ReasonCode -eq 'HundredsBlock').Count
                (Get-CrmMigrationRecord ./new.db -ReasonCode RecordRequiredFieldMissing).Count
                @(Export-CrmData ([System.IO.Directory]::GetDirectories($PWD.Path + '/rejects')[0] + '/contacts.csv')).Count
                (Get-CrmMigrationRun ./new.db).Balanced
                (Get-CrmSchema ./new.db -Entity Person).RowCount
                $total = @(Export-CrmData ./legacy.db -Entity contacts).Count; $total
            ");
            Assert.Null(r.Terminating);
            var summary = r.OfType("CrmMigration.CrmImportSummary").Single();
            long read = (long)summary.Get("Read")!, inserted = (long)summary.Get("Inserted")!, rejected = (long)summary.Get("Rejected")!, filtered = (long)summary.Get("Filtered")!;
            var tail = r.Output.Skip(1).Select(o => Convert.ToInt64(o.BaseObject is bool b ? (b ? 1 : 0) : o.BaseObject, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(tail[6], read);
            Assert.Equal(100L, filtered);
            Assert.True(rejected > 0, "the sample has contacts without a last name");
            Assert.Equal(read, inserted + rejected + filtered);
            Assert.Equal(true, summary.Get("Balanced"));
            Assert.Equal(rejected, Convert.ToInt64(((System.Collections.IDictionary)summary.Get("RejectReasons")!)["RecordRequiredFieldMissing"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(rejected, tail[0]);   // one error per rejected record
            Assert.Equal(100L, tail[1]);       // filtered, in the ledger with their reason
            Assert.Equal(rejected, tail[2]);   // rejected, in the ledger with their reason
            Assert.Equal(rejected, tail[3]);   // and in the reject file
            Assert.Equal(1L, tail[4]);         // the run's books balance
            Assert.Equal(inserted, tail[5]);   // the target holds what was inserted
            Assert.All(r.Errors, e => Assert.StartsWith("RecordRequiredFieldMissing,", e.FullyQualifiedErrorId, StringComparison.Ordinal));
        }

        [Theory]
        [InlineData("PostgreSql", "PG")]
        [InlineData("MySql", "MY")]
        public void ACsvFolderCopiesIntoADatabaseServer(string provider, string db)
        {
            using var ps = WithLegacy(500);
            string suffix = Guid.NewGuid().ToString("N").Substring(0, 8);
            var vars = new Dictionary<string, object?>
            {
                ["Provider"] = provider,
                ["DbHost"] = DbEnv.Get($"CRM_{db}_HOST"),
                ["DbPort"] = int.Parse(DbEnv.Get($"CRM_{db}_PORT"), System.Globalization.CultureInfo.InvariantCulture),
                ["DbUser"] = DbEnv.Get($"CRM_{db}_USER"),
                ["DbPassword"] = DbEnv.Get($"CRM_{db}_PASSWORD"),
                ["DbName"] = DbEnv.Get($"CRM_{db}_DATABASE"),
                ["Suffix"] = suffix,
            };
            var r = ps.Run(@"
                $cred = [pscredential]::new($DbUser, [System.Net.NetworkCredential]::new('', $DbPassword).SecurePassword)
                $conn = New-CrmConnection -Provider $Provider -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred
                # the legacy system as a CSV folder (a copy into files, without a mapping)
                Copy-CrmData ./legacy.db ./csv -Entity accounts, contacts, opportunities -NoLedger | Out-Null
                # a mapping into tables of this test's own
                $map = @{ Entities = @{
                    ""Account_$Suffix"" = @{ Source = 'accounts'; Key = 'Id'; Fields = [ordered]@{ Id = 'account_id'; Name = @{ Source = 'name'; Transform = 'Trim'; Required = $true }; Country = 'country' } }
                    ""Contact_$Suffix"" = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{ Id = 'contact_id'; AccountId = 'account_id'; LastName = @{ Source = 'last_name'; Transform = 'Trim'; Required = $true }; Email = @{ Source = 'email'; Transform = 'Trim', 'Lower', 'EmptyToNull' }; CreatedAt = 'created_at' } }
                    ""Opportunity_$Suffix"" = @{ Source = 'opportunities'; Key = 'Id'; Fields = [ordered]@{ Id = 'opportunity_id'; AccountId = 'account_id'; Amount = @{ Source = 'amount'; Type = 'Decimal'; Default = 0 } } }
                } }
                Copy-CrmData -Source ./csv -Destination $conn -Mapping $map -Create -BatchSize 300 -ErrorAction SilentlyContinue
                Test-CrmMigration -Source ./csv -Target $conn -Mapping $map -Quiet
                @(Get-CrmMigrationRun -Target $conn)[-1].Status
            ", vars);
            Assert.Null(r.Terminating);
            var summaries = r.OfType("CrmMigration.CrmImportSummary").ToList();
            Assert.Equal(3, summaries.Count);
            Assert.Equal($"Account_{suffix}", summaries[0].Get("Entity")!.ToString(), ignoreCase: true);
            Assert.All(summaries, s => Assert.Equal(true, s.Get("Balanced")));
            Assert.True((long)summaries[1].Get("Inserted")! > 400);
            Assert.Equal(true, r.Output[^2].BaseObject);
            Assert.Equal("Completed", r.Output[^1].ToString());
            Assert.All(r.Errors, e => Assert.StartsWith("Record", e.FullyQualifiedErrorId, StringComparison.Ordinal));
        }

        [Fact]
        public void WhatIfWritesNothing()
        {
            using var ps = WithLegacy(300);
            var r = ps.Run($"Copy-CrmData ./legacy.db ./new.db -Mapping '{Map}' -Create -RejectPath ./rejects -WhatIf -ErrorAction SilentlyContinue");
            Assert.Null(r.Terminating);
            var summaries = r.OfType("CrmMigration.CrmImportSummary").ToList();
            Assert.Equal(3, summaries.Count);
            Assert.All(summaries, s => Assert.Equal(true, s.Get("WhatIf")));
            Assert.True((long)summaries[1].Get("Inserted")! > 250, "the plan says what would be inserted");
            Assert.False(File.Exists(ps.PathOf("new.db.crm-ledger.sqlite")));
            Assert.False(Directory.Exists(ps.PathOf("rejects")));
            if (File.Exists(ps.PathOf("new.db")))
            {
                var tables = ps.Run("@(Get-CrmSchema ./new.db).Count").AssertClean();
                Assert.Equal(0, (int)tables.Output.Single().BaseObject);
            }
            // into an existing target: nothing changes there either
            ps.Run("Copy-CrmData ./legacy.db ./csv -Entity accounts -NoLedger | Out-Null").AssertClean();
            var before = Directory.GetFiles(ps.PathOf("csv")).ToDictionary(f => f, File.ReadAllBytes);
            var plan = ps.Run("Copy-CrmData ./legacy.db ./csv -Entity accounts, contacts -Mode Upsert -WhatIf").AssertClean();
            Assert.Equal(new[] { true, true }, plan.OfType("CrmMigration.CrmImportSummary").Select(s => (bool)s.Get("WhatIf")!).ToArray());
            var after = Directory.GetFiles(ps.PathOf("csv"));
            Assert.Equal(before.Keys.OrderBy(k => k), after.OrderBy(k => k));
            foreach (var f in after) Assert.Equal(before[f], File.ReadAllBytes(f));
        }

        [Fact]
        public void AKilledCopyResumesToExactlyTheSourceSet()
        {
            using var ps = WithLegacy(2000);
            string copy = $"Copy-CrmData ./legacy.db ./new.db -Mapping '{Map}' -Create -BatchSize 200 -ErrorAction SilentlyContinue";
            var (code, _, err) = ps.RunHostCommand(copy, fault: "after-target:3");
            Assert.True(code != 0, "the fault point should have killed the host: " + err);
            var partial = ps.Run("Get-CrmMigrationRun ./new.db").AssertClean().OfType("CrmMigration.CrmMigrationRun").Single();
            Assert.Equal("Running", partial.Get("Status")!.ToString());

            var (code2, out2, err2) = ps.RunHostCommand(copy + " -Resume");
            Assert.True(code2 == 0, out2 + err2);
            AssertMigrationPasses(ps, "./legacy.db", "./new.db");
            var run = ps.Run("Get-CrmMigrationRun ./new.db").AssertClean().OfType("CrmMigration.CrmMigrationRun").Single();
            Assert.Equal("Completed", run.Get("Status")!.ToString());
            Assert.Equal(2, (int)run.Get("Attempts")!);
            Assert.Equal(true, run.Get("Balanced"));
            var counts = ps.Run($@"
                @(Export-CrmData ./legacy.db -Entity {Mapped}).Count
                @(Get-CrmMigrationRecord ./new.db).Count
                @(Get-CrmMigrationRecord ./new.db -Outcome Rejected | Where-Object ReasonCode -ne 'MissingParent').Count
                @(Export-CrmData ./legacy.db -Entity contacts | Where-Object {{ [string]::IsNullOrWhiteSpace($_.last_name) }}).Count").AssertClean();
            long source = Convert.ToInt64(counts.Output[0].BaseObject, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(source, (long)run.Get("Read")!);
            Assert.Equal(source, Convert.ToInt64(counts.Output[1].BaseObject, System.Globalization.CultureInfo.InvariantCulture)); // one recorded outcome per source record
            Assert.Equal(counts.Output[3].BaseObject, counts.Output[2].BaseObject); // the mapping's rejects, once each
        }

        [Fact]
        public void AMalformedCsvRowIsReportedWithFileAndLineAndTheRestCopies()
        {
            using var ps = new PsSession();
            Directory.CreateDirectory(ps.PathOf("src"));
            File.WriteAllText(ps.PathOf("src/contacts.csv"), "id,name,email\n1,Ada,ada@example.org\n2,Grace,grace@example.org\n3,Bad,row,with,too,many\n4,Alan,alan@example.org\n5,Edsger,edsger@example.org\n");
            var r = ps.Run(@"
                Copy-CrmData ./src ./new.db -Create -RejectPath ./rejects -ErrorVariable ev
                $ev | ForEach-Object { $_.FullyQualifiedErrorId.Split(',')[0] + ' ' + $_.Exception.Message }
                (Export-CrmData ./new.db -Entity contacts | ForEach-Object { $_.name }) -join ','
                Export-CrmData ([System.IO.Directory]::GetDirectories($PWD.Path + '/rejects')[0] + '/contacts-malformed.csv') | ForEach-Object { [string]$_.Line + ' ' + $_.RejectReason + ' ' + $_.Raw }
                (Get-CrmMigrationRecord ./new.db -ReasonCode CsvRaggedRow).Count
            ");
            Assert.Null(r.Terminating);
            var summary = r.OfType("CrmMigration.CrmImportSummary").Single();
            Assert.Equal(5L, summary.Get("Read"));
            Assert.Equal(4L, summary.Get("Inserted"));
            Assert.Equal(1L, summary.Get("Rejected"));
            Assert.Equal(true, summary.Get("Balanced"));
            var text = r.Output.Skip(1).Select(o => o.ToString()).ToList();
            Assert.Single(r.Errors);
            Assert.StartsWith("CsvRaggedRow ", text[0], StringComparison.Ordinal);
            Assert.Contains("contacts.csv:4", text[0], StringComparison.Ordinal);
            Assert.Equal("Ada,Grace,Alan,Edsger", text[1]);
            Assert.Equal("4 CsvRaggedRow 3,Bad,row,with,too,many", text[2]);
            Assert.Equal("1", text[3]);
        }

        [Fact]
        public void PassThruGivesOneOutcomePerRecordInsteadOfSummaries()
        {
            using var ps = WithLegacy(300);
            var r = ps.Run($"Copy-CrmData ./legacy.db ./new.db -Mapping '{Map}' -Entity accounts -Create -PassThru -NoLedger").AssertClean();
            var outcomes = r.OfType("CrmMigration.CrmRecordOutcome").ToList();
            Assert.Equal(30, outcomes.Count);
            Assert.All(outcomes, o => Assert.Equal("Inserted", o.Get("Outcome")!.ToString()));
            Assert.Empty(r.OfType("CrmMigration.CrmImportSummary"));
        }
    }
}
