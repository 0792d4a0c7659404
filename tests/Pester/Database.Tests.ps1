# PostgreSQL and MariaDB through the built module: composite keys end to end, credentials, connection
# failures, and that no output, stream or file of a run ever shows a password. Each test works in a fresh
# database of its own on the shared test servers.
BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Database servers' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'keeps composite keys through import, ledger, crosswalk, upsert and validation on <Kind>' -ForEach @(@{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
        Invoke-CrmTestSql -Kind Sqlite -Database ./legacy.db -Sql @'
CREATE TABLE heads(region TEXT NOT NULL, no INTEGER NOT NULL, customer TEXT, PRIMARY KEY(region, no));
INSERT INTO heads VALUES ('eu',1,'Anna'),('eu',2,'Bert'),('us',1,'Carl'),('us|x',1,'pipe in a key part');
'@ | Out-Null
        $db = New-CrmTestDatabase -Kind $Kind
        try {
            $map = @{ Entities = @{ Heads = @{ Source = 'heads'; Key = 'Region', 'No'; Fields = [ordered]@{
                            Region = @{ Source = 'region'; Transform = 'Upper' }; No = @{ Source = 'no'; Type = 'Integer' }; Customer = 'customer' } } } }
            $migrate = { Export-CrmData ./legacy.db -Entity heads | Convert-CrmRecord -Mapping $map | Import-CrmData -Connection $db.Connection -Create -Mode Upsert }

            (& $migrate).Inserted | Should -Be 4
            Test-CrmMigration ./legacy.db $db.Connection -Mapping $map -Quiet | Should -BeTrue
            # the ledger of a database target sits in the user's state folder (the test run's own), not the working folder: -Target finds it
            @(Get-ChildItem -Filter 'crm-ledger-*.sqlite').Count | Should -Be 0
            Test-Path (Join-Path $env:CRMMIGRATION_STATE_HOME 'ledgers') | Should -BeTrue
            $walk = @(Get-CrmMigrationRecord -Target $db.Connection -Entity Heads | ForEach-Object { $_.SourceKey + '>' + $_.TargetKey }) -join ';'
            $walk | Should -Match ([regex]::Escape('eu|1>EU|1'))
            $walk | Should -Match ([regex]::Escape('us\|x|1>US\|X|1'))    # a '|' inside a key part is escaped, not a separator
            $table = if ($Kind -eq 'PostgreSql') { '"Heads"' } else { 'Heads' }
            $region = if ($Kind -eq 'PostgreSql') { '"Region"' } else { 'Region' }
            Invoke-CrmTestSql -Kind $Kind -Database $db -Sql "SELECT $region FROM $table ORDER BY 1" | Should -Be @('EU', 'EU', 'US', 'US|X')

            # again: nothing changed, the ledger skips every record by its composite key
            (& $migrate).Skipped | Should -Be 4
            # one source row changes: one update, found by both key parts
            Invoke-CrmTestSql -Kind Sqlite -Database ./legacy.db -Sql "UPDATE heads SET customer = 'Berta' WHERE region = 'eu' AND no = 2" | Out-Null
            $third = & $migrate
            $third.Updated | Should -Be 1
            $third.Skipped | Should -Be 3
            Test-CrmMigration ./legacy.db $db.Connection -Mapping $map -Quiet | Should -BeTrue
        }
        finally { Remove-CrmTestDatabase $db }
    }

    It 'imports, exports and describes <Kind> through a credential, and shows the password nowhere' -ForEach @(@{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
        $db = New-CrmTestDatabase -Kind $Kind
        try {
            $password = $db.Credential.GetNetworkCredential().Password
            $r = Invoke-CrmTestCapture -Variable @{ Provider = $Kind; DbHost = $db.Server; DbPort = $db.Port; DbName = $db.Name; DbUser = $db.Credential.UserName; DbPassword = $password } -Script @'
$secure = [System.Net.NetworkCredential]::new('', $DbPassword).SecurePassword
$cred = [pscredential]::new($DbUser, $secure)
$conn = New-CrmConnection -Provider $Provider -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred -Name 'test server'
$rows = foreach ($i in 1..25) {
    $rec = [CrmMigration.CrmRecord]::new('people')
    $rec['Id'] = [long]$i; $rec['Email'] = "user$i@example.org"; $rec['Amount'] = [decimal]$i * 1.5
    $rec.Key = [CrmMigration.CrmKey]::new([string]$i)
    $rec
}
$rows | Import-CrmData -Connection $conn -Entity people -Create -Verbose
(Get-CrmSchema -Connection $conn -Entity people).RowCount
(Export-CrmData -Connection $conn -Entity people -Filter @{ Email = 'USER7@example.org' }).Amount
$conn
$conn.Location
'@
            $r.Terminating | Should -BeNullOrEmpty
            $r.Error | Should -BeNullOrEmpty
            $r.Output[0].Inserted | Should -Be 25
            $r.Output[1] | Should -Be 25
            $r.Output[2] | Should -Be 10.5                              # the filter matched case-insensitively
            $r.Output[-1] | Should -Be "$($db.Server):$($db.Port)/$($db.Name)"
            Invoke-CrmTestSql -Kind $Kind -Database $db -Sql 'SELECT count(*) FROM people' | Should -Be '25'
            $r.Text | Should -Not -Match ([regex]::Escape($password))
        }
        finally { Remove-CrmTestDatabase $db }
    }

    It 'stops with a connection error that never shows a wrong password on <Kind>' -ForEach @(@{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
        $db = New-CrmTestDatabase -Kind $Kind
        try {
            $wrong = 'N0t-The-Pa55word-4711'
            $vars = @{ Provider = $Kind; DbHost = $db.Server; DbPort = $db.Port; DbName = $db.Name; DbUser = $db.Credential.UserName; Wrong = $wrong }
            $connect = @'
$cred = [pscredential]::new($DbUser, [System.Net.NetworkCredential]::new('', $Wrong).SecurePassword)
$conn = New-CrmConnection $Provider -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred
'@
            $r = Invoke-CrmTestCapture -Variable $vars -Script ($connect + "`n`$conn`n`"`$conn`"`nGet-CrmSchema -Connection `$conn")
            $first = @($r.Error)[0]
            $first | Get-CrmTestErrorId | Should -Be 'SourceConnectionFailed'
            $first.CategoryInfo.Category | Should -Be 'ConnectionError'
            $r.Text | Should -Not -Match $wrong

            $t = Invoke-CrmTestCapture -Variable $vars -Script ($connect + "`n`$rec = [CrmMigration.CrmRecord]::new('t'); `$rec['Id'] = 1L`n`$rec | Import-CrmData -Connection `$conn -Entity t -Create")
            @($t.Error)[0] | Get-CrmTestErrorId | Should -Be 'TargetConnectionFailed'
            $t.Text | Should -Not -Match $wrong
        }
        finally { Remove-CrmTestDatabase $db }
    }

    It 'moves a connection string''s password out of the connection, and it still connects' {
        $db = New-CrmTestDatabase -Kind MySql
        try {
            $password = $db.Credential.GetNetworkCredential().Password
            $r = Invoke-CrmTestCapture -Variable @{ DbHost = $db.Server; DbPort = $db.Port; DbName = $db.Name; DbUser = $db.Credential.UserName; DbPassword = $password } -Script @'
$conn = New-CrmConnection MySql -ConnectionString "Server=$DbHost;Port=$DbPort;Database=$DbName;User ID=$DbUser;Password=$DbPassword"
$conn.Location
$conn
($conn.Options.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ';'
@(Get-CrmSchema -Connection $conn -NoRowCount).Count -ge 0
'@
            $r.Terminating | Should -BeNullOrEmpty
            $r.Error | Should -BeNullOrEmpty
            $r.Output[0] | Should -Be "$($db.Server):$($db.Port)/$($db.Name)"
            $r.Output[-1] | Should -BeTrue
            $r.Text | Should -Not -Match ([regex]::Escape($password))
        }
        finally { Remove-CrmTestDatabase $db }
    }

    It 'writes the password into no file of a run: target, ledger, reject files, archive' {
        $db = New-CrmTestDatabase -Kind PostgreSql
        try {
            $password = $db.Credential.GetNetworkCredential().Password
            $r = Invoke-CrmTestCapture -Variable @{ DbHost = $db.Server; DbPort = $db.Port; DbName = $db.Name; DbUser = $db.Credential.UserName; DbPassword = $password } -Script @'
$cred = [pscredential]::new($DbUser, [System.Net.NetworkCredential]::new('', $DbPassword).SecurePassword)
$pg = New-CrmConnection PostgreSql -Server $DbHost -Port $DbPort -Database $DbName -Credential $cred
$rows = foreach ($i in 1..40) {
    $rec = [CrmMigration.CrmRecord]::new('people'); $rec['Id'] = [long]$i
    $rec['Name'] = $(if ($i % 10) { "name $i" } else { '' }); $rec.Key = [CrmMigration.CrmKey]::new([string]$i); $rec
}
$rows | Import-CrmData -Connection $pg -Entity people -Create -RejectPath ./rejects-pg -Verbose | Out-Null
$map = @{ Entities = @{ Person = @{ Source = 'people'; Key = 'Id'; Fields = [ordered]@{ Id = 'id'; Name = @{ Source = 'name'; Required = $true } } } } }
Export-CrmData -Connection $pg -Entity people -Verbose |
    Convert-CrmRecord -Mapping $map -RejectPath ./rejects-map -ErrorAction SilentlyContinue |
    Import-CrmData ./new.db -Create -RejectPath ./rejects-import -Verbose | Out-Null
Get-CrmMigrationRun ./new.db | ForEach-Object { $_.Source + ' ' + $_.Parameters }
Export-CrmArchive -Connection $pg -Entity people -Destination ./archive | Out-Null
Test-CrmMigration -Source $pg -Target ./new.db -Mapping $map -Quiet
'@
            $r.Terminating | Should -BeNullOrEmpty
            $r.Output[-1] | Should -BeTrue
            $r.Output[0] | Should -Match ([regex]::Escape("$($db.Server):"))
            $r.Text | Should -Not -Match ([regex]::Escape($password))
            './new.db.crm-ledger.sqlite' | Should -Exist
            @(Get-ChildItem ./archive -Recurse -File).Count | Should -BeGreaterThan 4
            $files = @(Get-ChildItem -Recurse -File)
            $files.Count | Should -BeGreaterOrEqual 6 -Because 'the run should have written the target, its ledger, reject files and the archive'
            # byte for byte (Latin-1 maps each byte to one char), as UTF-8 and as UTF-16
            $latin1 = [Text.Encoding]::Latin1
            $needles = $latin1.GetString([Text.Encoding]::UTF8.GetBytes($password)), $latin1.GetString([Text.Encoding]::Unicode.GetBytes($password))
            foreach ($f in $files) {
                $hay = $latin1.GetString([IO.File]::ReadAllBytes($f.FullName))
                foreach ($n in $needles) { $hay.IndexOf($n, [StringComparison]::Ordinal) | Should -Be -1 -Because "$($f.FullName) must not contain the password" }
            }
        }
        finally { Remove-CrmTestDatabase $db }
    }
}
