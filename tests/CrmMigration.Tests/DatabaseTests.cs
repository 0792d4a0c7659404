using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace CrmMigration.Tests
{
    /// <summary>The server settings of scripts/dbservers.sh (shared with the engine tests). Never skipped.</summary>
    public static class DbEnv
    {
        public static string Get(string name) => CrmMigration.TestSupport.DbServerEnv.Get(name);
    }

    /// <summary>PostgreSQL and MariaDB through the built module in a hosted PowerShell.</summary>
    public class DatabaseTests
    {
        private static Dictionary<string, object?> Vars(string db) => new Dictionary<string, object?>
        {
            ["DbHost"] = DbEnv.Get($"CRM_{db}_HOST"),
            ["DbPort"] = int.Parse(DbEnv.Get($"CRM_{db}_PORT"), System.Globalization.CultureInfo.InvariantCulture),
            ["DbUser"] = DbEnv.Get($"CRM_{db}_USER"),
            ["DbPassword"] = DbEnv.Get($"CRM_{db}_PASSWORD"),
            ["DbName"] = DbEnv.Get($"CRM_{db}_DATABASE"),
            ["Table"] = "ps_" + Guid.NewGuid().ToString("N").Substring(0, 10),
        };

        /// <summary>Everything a script produced, as text: output (formatted), errors with their details, warnings, verbose, progress.</summary>
        private static string AllText(PsSession ps, PsResult r)
        {
            var parts = new List<string>();
            foreach (var o in r.Output) parts.Add(o.ToString());
            foreach (var e in r.Errors.Concat(r.Terminating is null ? Enumerable.Empty<ErrorRecord>() : new[] { r.Terminating.ErrorRecord }))
            {
                parts.Add(e.ToString());
                parts.Add(e.Exception.ToString());
                parts.Add(e.FullyQualifiedErrorId);
                parts.Add(e.TargetObject?.ToString() ?? "");
                parts.Add(e.ErrorDetails?.Message ?? "");
            }
            foreach (var w in r.Warnings) parts.Add(w.Message);
            foreach (var v in r.Verbose) parts.Add(v.Message);
            foreach (var p in r.Progress) parts.Add(p.StatusDescription + " " + p.Activity);
            return string.Join("\n", parts);
        }

        [Theory]
        [InlineData("PostgreSql", "PG")]
        [InlineData("MySql", "MY")]
        public void CompositeKeysWorkThroughImportLedgerCrosswalkUpsertAndValidation(string provider, string db)
        {
            using var ps = new PsSession();
            var vars = Vars(db);
            vars["Provider"] = provider;
            var sql = Process.Start(new ProcessStartInfo("sqlite3", new[] { ps.PathOf("legacy.db"),
                "CREATE TABLE heads(region TEXT NOT NULL, no INTEGER NOT NULL, customer TEXT, PRIMARY KEY(region, no));" +
                "INSERT INTO heads VALUES ('eu',1,'Anna'),('eu',2,'Bert'),('us',1,'Carl'),('us|x',1,'pipe in a key part');" }) { UseShellExecute = false })!;
            sql.WaitForExit();
            Assert.Equal(0, sql.ExitCode);
            string script = @"
                $cred = [pscredential]::new($DbUser, [System.Net.NetworkCredential]::new('', $DbPassword).SecurePassword)
                $conn = New-CrmConnection -Provider $Provider -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred
                $map = @{ Entities = @{ $Table = @{ Source = 'heads'; Key = 'Region', 'No'; Fields = [ordered]@{
                    Region = @{ Source = 'region'; Transform = 'Upper' }; No = @{ Source = 'no'; Type = 'Integer' }; Customer = 'customer' } } } }
                Export-CrmData ./legacy.db -Entity heads | Convert-CrmRecord -Mapping $map | Import-CrmData -Connection $conn -Create -Mode Upsert
                Test-CrmMigration ./legacy.db $conn -Mapping $map -Quiet
                @(Get-CrmMigrationRecord -StatePath (Get-ChildItem2) -Entity $Table | ForEach-Object { $_.SourceKey + '>' + $_.TargetKey }) -join ';'
            ";
            // the ledger of a database target sits in the working folder: find it without Get-ChildItem (not in the hosted engine)
            script = script.Replace("(Get-ChildItem2)", "([System.IO.Directory]::GetFiles($PWD.Path, 'crm-ledger-*.sqlite')[0])");
            var first = ps.Run(script, vars).AssertClean();
            var s1 = first.OfType("CrmMigration.CrmImportSummary").Single();
            Assert.Equal(4L, s1.Get("Inserted"));
            Assert.Equal(true, first.Output[1].BaseObject);
            string walk = (string)first.Output[2].BaseObject;
            Assert.Contains("eu|1>EU|1", walk);
            Assert.Contains(@"us\|x|1>US\|X|1", walk); // a '|' inside a key part is escaped, not a separator

            // again: nothing changed, the ledger skips every record by its composite key
            var second = ps.Run(script, vars).AssertClean();
            Assert.Equal(4L, second.OfType("CrmMigration.CrmImportSummary").Single().Get("Skipped"));

            // one source row changes: one update, found by both key parts
            var upd = Process.Start(new ProcessStartInfo("sqlite3", new[] { ps.PathOf("legacy.db"), "UPDATE heads SET customer = 'Berta' WHERE region = 'eu' AND no = 2" }) { UseShellExecute = false })!;
            upd.WaitForExit();
            var third = ps.Run(script, vars).AssertClean();
            var s3 = third.OfType("CrmMigration.CrmImportSummary").Single();
            Assert.Equal(1L, s3.Get("Updated"));
            Assert.Equal(3L, s3.Get("Skipped"));
            Assert.Equal(true, third.Output[1].BaseObject);
        }

        [Theory]
        [InlineData("PostgreSql", "PG")]
        [InlineData("MySql", "MY")]
        public void ImportExportAndSchemaThroughACredential(string provider, string db)
        {
            using var ps = new PsSession();
            var vars = Vars(db);
            vars["Provider"] = provider;
            var r = ps.Run(@"
                $secure = [System.Net.NetworkCredential]::new('', $DbPassword).SecurePassword
                $cred = [pscredential]::new($DbUser, $secure)
                $conn = New-CrmConnection -Provider $Provider -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred -Name 'test server'
                $rows = foreach ($i in 1..25) {
                    $rec = [CrmMigration.CrmRecord]::new($Table)
                    $rec['Id'] = [long]$i; $rec['Email'] = ""user$i@example.org""; $rec['Amount'] = [decimal]$i * 1.5
                    $rec.Key = [CrmMigration.CrmKey]::new([string]$i)
                    $rec
                }
                $rows | Import-CrmData -Connection $conn -Entity $Table -Create
                (Get-CrmSchema -Connection $conn -Entity $Table).RowCount
                (Export-CrmData -Connection $conn -Entity $Table -Filter @{ Email = 'USER7@example.org' }).Amount
                ($conn.psobject.Properties | ForEach-Object { ""$($_.Name)=$($_.Value)"" }) -join ""`n""
                $conn.Location
            ", vars).AssertClean();
            var summary = r.Output[0];
            Assert.Equal(25L, Convert.ToInt64(summary.Get("Inserted"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(25L, Convert.ToInt64(r.Output[1].BaseObject, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(10.5m, Convert.ToDecimal(r.Output[2].BaseObject, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal($"{vars["DbHost"]}:{vars["DbPort"]}/{vars["DbName"]}", r.Output.Last().ToString());
            Assert.DoesNotContain((string)vars["DbPassword"]!, AllText(ps, r));
        }

        [Theory]
        [InlineData("PostgreSql", "PG")]
        [InlineData("MySql", "MY")]
        public void WrongPasswordStopsWithAConnectionErrorThatNeverShowsIt(string provider, string db)
        {
            using var ps = new PsSession();
            var vars = Vars(db);
            vars["Provider"] = provider;
            const string wrong = "N0t-The-Pa55word-4711";
            vars["Wrong"] = wrong;
            var r = ps.Run(@"
                $cred = [pscredential]::new($DbUser, [System.Net.NetworkCredential]::new('', $Wrong).SecurePassword)
                $conn = New-CrmConnection $Provider -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred
                ($conn.psobject.Properties | ForEach-Object { ""$($_.Name)=$($_.Value)"" }) -join ""`n""
                ""$conn""
                Get-CrmSchema -Connection $conn
            ", vars);
            Assert.Equal("SourceConnectionFailed", r.FirstError.FullyQualifiedErrorId.Split(',')[0]);
            Assert.Equal(ErrorCategory.ConnectionError, r.FirstError.CategoryInfo.Category);
            Assert.DoesNotContain(wrong, AllText(ps, r));

            var target = ps.Run(@"
                $rec = [CrmMigration.CrmRecord]::new('t'); $rec['Id'] = 1L
                $rec | Import-CrmData -Connection $conn -Entity $Table -Create
            ", vars);
            Assert.Contains("TargetConnectionFailed", target.ErrorIds.First(), StringComparison.Ordinal);
            Assert.DoesNotContain(wrong, AllText(ps, target));
        }

        [Fact]
        public void ConnectionStringPasswordIsKeptOutOfTheConnection()
        {
            using var ps = new PsSession();
            var vars = Vars("MY");
            var r = ps.Run(@"
                $conn = New-CrmConnection MySql -ConnectionString ""Server=$DbHost;Port=$DbPort;Database=$DbName;User ID=$DbUser;Password=$DbPassword""
                $conn.Location
                ($conn.psobject.Properties | ForEach-Object { ""$($_.Name)=$($_.Value)"" }) -join ""`n""
                ($conn.Options.GetEnumerator() | ForEach-Object { ""$($_.Key)=$($_.Value)"" }) -join ';'
                @(Get-CrmSchema -Connection $conn -NoRowCount).Count -ge 0
            ", vars).AssertClean();
            Assert.Equal($"{vars["DbHost"]}:{vars["DbPort"]}/{vars["DbName"]}", r.Output[0].ToString());
            Assert.DoesNotContain((string)vars["DbPassword"]!, AllText(ps, r));

            var bad = ps.Run("New-CrmConnection PostgreSql -Server h -Database d -Profile ./no-such-profile.json");
            Assert.Equal("ProfileNotFound", bad.FirstError.FullyQualifiedErrorId.Split(',')[0]);
        }

        [Fact]
        public void NoFileARunWritesContainsThePassword()
        {
            using var ps = new PsSession();
            var vars = Vars("PG");
            string password = (string)vars["DbPassword"]!;
            var r = ps.Run(@"
                $cred = [pscredential]::new($DbUser, [System.Net.NetworkCredential]::new('', $DbPassword).SecurePassword)
                $pg = New-CrmConnection PostgreSql -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred
                $rows = foreach ($i in 1..40) {
                    $rec = [CrmMigration.CrmRecord]::new($Table); $rec['Id'] = [long]$i
                    $rec['Name'] = $(if ($i % 10) { ""name $i"" } else { '' }); $rec.Key = [CrmMigration.CrmKey]::new([string]$i); $rec
                }
                $rows | Import-CrmData -Connection $pg -Entity $Table -Create -RejectPath ./rejects-pg -Verbose | Out-Null
                $map = @{ Entities = @{ Person = @{ Source = $Table; Key = 'Id'; Fields = [ordered]@{ Id = 'id'; Name = @{ Source = 'name'; Required = $true } } } } }
                Export-CrmData -Connection $pg -Entity $Table -Verbose |
                    Convert-CrmRecord -Mapping $map -RejectPath ./rejects-map -ErrorAction SilentlyContinue |
                    Import-CrmData ./new.db -Create -RejectPath ./rejects-import -Verbose | Out-Null
                Get-CrmMigrationRun ./new.db | ForEach-Object { $_.Source + ' ' + $_.Parameters }
                Export-CrmArchive -Connection $pg -Entity $Table -Destination ./archive | Out-Null
                Test-CrmMigration -Source $pg -Target ./new.db -Mapping $map -Quiet
            ", vars).AssertClean();
            Assert.Equal(true, r.Output.Last().BaseObject);
            Assert.Contains(vars["DbHost"] + ":", r.Output[0].ToString());
            var utf8 = System.Text.Encoding.UTF8.GetBytes(password);
            var utf16 = System.Text.Encoding.Unicode.GetBytes(password);
            int files = 0;
            foreach (var file in Directory.GetFiles(ps.TestDir, "*", SearchOption.AllDirectories))
            {
                files++;
                byte[] content = File.ReadAllBytes(file);
                Assert.False(content.AsSpan().IndexOf(utf8) >= 0 || content.AsSpan().IndexOf(utf16) >= 0, $"{file} contains the password");
            }
            Assert.True(files >= 6, "the run should have written the target, its ledger, reject files and the archive");
            Assert.True(File.Exists(ps.PathOf("new.db.crm-ledger.sqlite")));
            Assert.True(Directory.GetFiles(ps.PathOf("archive"), "*", SearchOption.AllDirectories).Length > 4);
            Assert.DoesNotContain(password, AllText(ps, r));
        }

        /// <summary>Runs SQL through psql as the administrator (the password travels in PGPASSWORD, never on the command line).</summary>
        private static string Psql(string database, string sql)
        {
            var psi = new ProcessStartInfo("psql", new[] { "-h", DbEnv.Get("CRM_PG_HOST"), "-p", DbEnv.Get("CRM_PG_PORT"), "-U", DbEnv.Get("CRM_PG_USER"), "-d", database, "-v", "ON_ERROR_STOP=1", "-tAq", "-c", sql })
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["PGPASSWORD"] = DbEnv.Get("CRM_PG_PASSWORD");
            using var p = Process.Start(psi)!;
            string output = p.StandardOutput.ReadToEnd();
            string error = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"psql failed ({p.ExitCode}): {error}");
            return output.Trim();
        }

        [Fact]
        public void DisableCrmSystemDecommissionsAPostgreSqlDatabase()
        {
            string suffix = Guid.NewGuid().ToString("N").Substring(0, 10);
            string dbName = "crm_h_" + suffix, role = "crm_happ_" + suffix, rolePassword = "R-" + Guid.NewGuid().ToString("N");
            Psql("postgres", $"CREATE ROLE \"{role}\" LOGIN PASSWORD '{rolePassword}'");
            try
            {
                Psql("postgres", $"CREATE DATABASE \"{dbName}\"");
                Psql(dbName, "CREATE TABLE contacts (id int PRIMARY KEY, name text); INSERT INTO contacts VALUES (1, 'Ada'), (2, 'Grace');" +
                             $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{role}\"");
                using var ps = new PsSession();
                var vars = Vars("PG");
                vars["DbName"] = dbName;
                vars["Role"] = role;
                const string Connect = @"
                    $cred = [pscredential]::new($DbUser, [System.Net.NetworkCredential]::new('', $DbPassword).SecurePassword)
                    $pg = New-CrmConnection PostgreSql -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred
                ";
                var plan = ps.Run(Connect + "Disable-CrmSystem $pg -ArchivePath ./archive -StatePath ./decom.json -ApplicationRole $Role -Purge -Force -WhatIf", vars).AssertClean();
                var freeze = plan.OfType("CrmMigration.CrmDecommissionReport").First(x => x.Get("Stage")!.ToString() == "Freeze");
                Assert.Equal("WhatIf", freeze.Get("Status")!.ToString());
                var actions = ((System.Collections.IEnumerable)freeze.Get("Actions")!).Cast<object>().Select(a => a.ToString()).ToList();
                Assert.Contains($"ALTER ROLE \"{role}\" NOLOGIN", actions);
                Assert.Contains($"ALTER DATABASE \"{dbName}\" SET default_transaction_read_only = on", actions);
                Assert.Equal("t", Psql("postgres", $"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{role}'"));
                Assert.Equal("2", Psql(dbName, "SELECT COUNT(*) FROM contacts"));
                Assert.False(File.Exists(ps.PathOf("decom.json")));

                var run = ps.Run(Connect + "Disable-CrmSystem $pg -ArchivePath ./archive -StatePath ./decom.json -ApplicationRole $Role -RetainUntil ([datetime]::UtcNow.Date.AddDays(-1)) -Purge -Force -Confirm:$false", vars).AssertClean();
                var reports = run.OfType("CrmMigration.CrmDecommissionReport").ToList();
                Assert.Equal(7, reports.Count);
                Assert.Equal("NotApplicable", reports[0].Get("Status")!.ToString()); // Notify: no profile, nobody to tell
                Assert.All(reports.Skip(1), x => Assert.Equal("Done", x.Get("Status")!.ToString()));
                Assert.Equal("f", Psql("postgres", $"SELECT rolcanlogin FROM pg_roles WHERE rolname = '{role}'"));
                Assert.Equal("0", Psql(dbName, "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"));
                Assert.True(File.Exists(ps.PathOf("decom.sanitization.json")));
                Assert.Contains("DROP TABLE", File.ReadAllText(ps.PathOf("decom.sanitization.json")));
                foreach (var file in Directory.GetFiles(ps.TestDir, "*", SearchOption.AllDirectories))
                {
                    string text = File.ReadAllText(file);
                    Assert.DoesNotContain(DbEnv.Get("CRM_PG_PASSWORD"), text);
                    Assert.DoesNotContain(rolePassword, text);
                }
            }
            finally
            {
                Psql("postgres", $"DROP DATABASE IF EXISTS \"{dbName}\" WITH (FORCE)");
                Psql("postgres", $"DROP ROLE IF EXISTS \"{role}\"");
            }
        }
    }
}
