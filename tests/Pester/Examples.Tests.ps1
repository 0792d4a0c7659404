# The documentation runs: every help example of docs/en-US that works on SQLite or files, and the README's tour,
# run as written in a prepared folder, so the documentation cannot drift from the module. Adaptations are
# only the ones listed in $Adapt (absolute paths of a server made relative; one size made small).
# An example that shows a table checks that the module still prints a table with the same columns.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force
    # Examples that talk to a CRM on a database server (named hosts, Get-Credential): not run here; the
    # Database, Copy-CrmData and Disable-CrmSystem tests cover the same commands against the test servers.
    $script:ServerExamples = @('Copy-CrmData: A CSV export into PostgreSQL, resumed after a failure', 'Disable-CrmSystem: Decommission a PostgreSQL CRM whose application connects as crm_app', 'New-CrmConnection: A SuiteCRM database on MariaDB, unattended', 'New-CrmConnection: A PostgreSQL target from a connection string',
        'Disable-CrmSystem: A SuiteCRM decommission with an announcement, the uploads and one exclusion', 'Disable-CrmSystem: Give access back before a purge',
        'Test-CrmMigration: A table without a key', 'Merge-CrmRecord: Merge a second CRM into one that is already live', 'New-CrmMergeRule: Look at a draft for a SuiteCRM database',
        'Copy-CrmData: A whole database onto another engine, schema and all')
    $script:Cases = @(Get-CrmTestDocExample | Where-Object Key -notin $script:ServerExamples | ForEach-Object { @{ Example = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule

    # Paths of a production server, made relative to the example's folder; one size made small.
    $script:Adapt = [ordered]@{
        '/data/exports/2019' = './exports/2019'
        '/srv/crm/'          = './'
        '/data/'             = './'
        '/var/log/crm/'      = './log/'
        '-Scale 100000'      = '-Scale 1000'
    }
    function ConvertTo-LocalCode([string] $Code) {
        foreach ($k in $Adapt.Keys) { $Code = $Code.Replace($k, $Adapt[$k]) }
        $Code
    }

    # What the examples assume is there: the practice CRM, its mapping (as ./map.psd1 and in ./examples),
    # the same CRM as a CSV export, and a log folder.
    $script:Template = New-CrmTestFolder 'template'
    Push-Location $Template
    New-CrmSampleData ./legacy.db -Seed 42 -Scale 200 | Out-Null
    Copy-CrmData ./legacy.db ./export -NoLedger | Out-Null
    New-Item -ItemType Directory ./examples, ./log | Out-Null
    Copy-Item (Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1') ./examples/
    Copy-Item ./examples/legacy-to-new.psd1 ./map.psd1
    Copy-Item (Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-dedupe.psd1') ./examples/
    Pop-Location

    # The new CRM's own schema, made by its vendor rather than by us: a NOT NULL Segment no mapping fills.
    $script:NewCrm = @'
Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql "
CREATE TABLE Account (Id TEXT PRIMARY KEY, Name TEXT NOT NULL, Industry TEXT, City TEXT, Country TEXT, Phone TEXT, Website TEXT, Origin TEXT);
CREATE TABLE Contact (Id TEXT PRIMARY KEY, AccountId TEXT REFERENCES Account(Id), FirstName TEXT, LastName TEXT NOT NULL, Email TEXT, Phone TEXT,
  Mobile TEXT, City TEXT, Country TEXT, Status TEXT, CreatedAt TEXT, Notes TEXT, Segment TEXT NOT NULL);
CREATE TABLE Opportunity (Id TEXT PRIMARY KEY, AccountId TEXT REFERENCES Account(Id), Name TEXT NOT NULL, Stage TEXT, Amount NUMERIC, CloseDate DATE, Probability INTEGER);" | Out-Null
'@
    $script:Migrate = 'Export-CrmData ./legacy.db -Entity accounts, contacts, opportunities | Convert-CrmRecord -Mapping ./map.psd1 -ErrorAction SilentlyContinue | Import-CrmData ./new.db -Create -ErrorAction SilentlyContinue | Out-Null'
    # The canonical CRM the SaaS examples start from (examples/legacy-to-saas.psd1 applied to the practice data).
    $script:Canonical = "Copy-CrmData ./legacy.db ./crm.db -Mapping '$(Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-saas.psd1')' -Create -NoLedger -WarningAction SilentlyContinue | Out-Null"
    $script:ImportTwice = '1..2 | ForEach-Object { Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create | Out-Null }'
    # Files other tools wrote, as the newer examples assume a user has them: a legacy Western export in
    # Windows-1252 (with a mapping that fits it), a denormalised export (account columns on every contact row)
    # with its mapping, a Salesforce report with its footer, a workbook with a merged range.
    $script:Western = @'
New-CrmTestCsv ./legacy/contacts.csv -Encoding windows-1252 -Line 'contact_id,name,city,country', 'W1,René Lefèvre,Besançon,FR', 'W2,Zoë Müller,Köln,DE', 'W3,Ana Peña,Córdoba,ES', 'W4,Jérôme Dupré,Orléans,FR', 'W5,Søren Æbelø,Århus,DK' | Out-Null
'@
    $script:WesternExport = @'
New-CrmTestCsv ./exports/contacts.csv -Encoding windows-1252 -Line 'contact_id,name,city,country', 'W1,René Lefèvre,Besançon,FR', 'W2,Zoë Müller,Köln,DE', 'W3,Ana Peña,Córdoba,ES' | Out-Null
Set-Content ./map.psd1 "@{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{ Id = 'contact_id'; Name = 'name'; City = 'city'; Country = 'country' } } } }"
'@
    $script:Denormalised = @'
New-CrmTestCsv ./contacts_with_accounts.csv -Line '"Contact ID","Last Name","Account ID","Account Name"', '"C1","Lee","A1","Acme"', '"C2","Chen","A1","Acme"', '"C3","Okafor","A2","Globex"', '"C4","Diaz","A2","Globex"', '"C5","Berg","A3","Initech"' | Out-Null
$map = @"
@{ Entities = @{
    Account = @{ Source = 'contacts_with_accounts'; Key = 'AccountId'; OnRepeat = 'Merge'
                 Fields = @{ AccountId = 'Account ID'; Name = 'Account Name' } }
    Contact = @{ Source = 'contacts_with_accounts'; Key = 'ContactId'
                 Fields = @{ ContactId = 'Contact ID'; LastName = 'Last Name'; AccountId = @{ Source = 'Account ID'; Reference = 'Account' } } } } }
"@
Set-Content ./map.psd1 $map; Set-Content ./denormalised.psd1 $map
'@

    # What an example needs beyond the template (state a user would have at that point), by page and title.
    $script:Setup = @{
        'Get-CrmMigrationRecord: What happened to one contact' = $ImportTwice
        'Get-CrmMigrationRecord: Count the rejects of the last run by reason' = $ImportTwice
        'Get-CrmMigrationRecord: The records of the newest run' = $ImportTwice
        'Copy-CrmData: A denormalised export into Account and Contact in one run' = $Denormalised
        'New-CrmConnection: Salesforce load files with an edited profile' = $Canonical
        # a Configuration Migration package the user made, and Microsoft's pac CLI (not installed here) as a stand-in that only says what it was given
        'Test-CrmFile: Stop a script before an upload' = $Canonical + "`nCopy-CrmData ./crm.db (New-CrmConnection Dynamics ./d365/data.zip) -NoLedger -WarningAction SilentlyContinue | Out-Null`nNew-Item -ItemType Directory ./bin | Out-Null; Set-Content ./bin/pac '#!/bin/sh`necho pac `$*'; chmod +x ./bin/pac; `$env:PATH = `"`$PWD/bin`$([IO.Path]::PathSeparator)`$env:PATH`""
        'Copy-CrmData: A CSV file for another system''s importer' = $Migrate
        'Export-CrmData: A Salesforce report and a legacy Windows-1252 export' = $Western + "`nNew-CrmTestSalesforceReport ./report1700000000000.csv | Out-Null"
        'New-CrmConnection: A strict nightly run over a legacy Western export' = $WesternExport
        'New-CrmConnection: A CSV target another system imports, and a workbook with merged cells' = $Migrate + '; New-CrmTestWorkbook ./regions.xlsx -SheetName Regions | Out-Null'
        'Import-CrmData: Import a CSV file another tool wrote, with Import-Csv' = 'New-CrmTestCsv ./export/customers.csv -Line "Id,FirstName,LastName,Email", "C1,Ann,Lee,ann@example.org", "C2,Bo,Chen,bo@example.org" | Out-Null'
        'Get-CrmMigrationRecord: Pipe keys from a complaint list' = 'Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create -StatePath ./ledger.sqlite | Out-Null'
        'Get-CrmMigrationRun: The runs of a target'    = $ImportTwice
        'Get-CrmMigrationRun: In a scheduled script, stop when the last run did not close its books'    = 'Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create -StatePath ./ledger.sqlite | Out-Null'
        'Get-CrmMigrationRun: Find an interrupted run and resume it'    = 'Killed'
        # a table its designer commented, with a length, a precision and a list of values
        'Get-CrmSchema: Every detail of one table''s fields' = 'Invoke-CrmTestSql -Kind Sqlite -Database ./crm.db -Sql "CREATE TABLE Contact (Id INTEGER PRIMARY KEY, -- assigned by the CRM`n Email VARCHAR(120) NOT NULL, -- work e-mail`n Credit DECIMAL(12,2), Status TEXT CHECK (Status IN (''new'', ''active'', ''closed'')));" | Out-Null'
        'Get-CrmSchema: Describe several systems from the pipeline'          = 'Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create | Out-Null'
        'Import-CrmData: See what an upsert would do before doing it'         = $Migrate
        'Import-CrmData: Resume an import that was killed'         = @{ KilledFirst = 'after-target:1' }
        'Import-CrmData: Load everything into one entity of a CSV folder'         = 'New-Item -ItemType Directory ./exports | Out-Null; Copy-Item ./export/leads.csv ./exports/leads.csv'
        # a target loaded before, by another tool (no ledger of ours): the contacts already there are refused
        'Import-CrmData: Keep the rejects in files to fix and re-import'         = $Migrate + '; Remove-Item ./new.db.crm-ledger.sqlite*'
        # a zip bomb: 5 MB of zeros that compress about a thousand times
        'Test-CrmArchive: Refuse a zip that expands too far' = 'New-Item -ItemType Directory ./z/data | Out-Null; [IO.File]::WriteAllBytes("$PWD/z/data/zeros.bin", [byte[]]::new(5MB)); [IO.Compression.ZipFile]::CreateFromDirectory("$PWD/z", "$PWD/upload.zip")'
        'New-CrmConnection: Read semicolon-separated CSV exports in GB 18030'      = 'Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./exports/2019 | Out-Null; $t = [IO.File]::ReadAllText("$PWD/exports/2019/contacts.csv").Replace(",", ";"); [Text.Encoding]::RegisterProvider([Text.CodePagesEncodingProvider]::Instance); [IO.File]::WriteAllText("$PWD/exports/2019/contacts.csv", $t, [Text.Encoding]::GetEncoding("gb18030")); Remove-Item ./exports/2019/*.json, ./exports/2019/.crm-ledger*'
        'New-CrmMapping: Draft a mapping between two databases and check it'         = $NewCrm + "`nRemove-Item ./map.psd1" 
        'New-CrmMapping: Look at the draft first, then write it as JSON'         = $NewCrm
        'New-CrmSampleData: Create a practice database and look at it'      = 'Remove-Item ./legacy.db'
        'Merge-CrmRecord: Let a person decide the grey zone, then apply and remember the decisions' = 'Copy-Item ./examples/legacy-dedupe.psd1 ./dedupe.psd1'
        'New-CrmMergeRule: Draft rules from the new CRM''s schema' = $Migrate
        'Test-CrmArchive: Check an archive and show only problems'        = 'Export-CrmArchive ./legacy.db -Destination ./archive/legacy-2026-11 | Out-Null; Add-Content ./archive/legacy-2026-11/data/contacts.csv "tampered"'
        'Test-CrmArchive: Gate a script on a zip, with a restore'        = 'Export-CrmArchive ./legacy.db -Destination ./legacy-2026-11 -Zip | Out-Null'
        'Test-CrmAuditLog: Check the log of a decommission'       = 'Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -RetainUntil 2099-01-01 -Confirm:$false | Out-Null'
        'Test-CrmAuditLog: Detect truncation against a stored head'       = 'Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -RetainUntil 2099-01-01 -Confirm:$false | Out-Null; (Test-CrmAuditLog ./decom.audit.jsonl).HeadHash | Set-Content ./decom.head'
        'Test-CrmMapping: List what is wrong with a mapping'        = $NewCrm
        'Test-CrmMapping: Stop a scheduled script when the mapping does not fit'        = $Migrate
        'Test-CrmMigration: Check a migration at the prompt'      = $Migrate
        'Test-CrmMigration: Gate a scheduled migration on the checks'      = $Migrate
        'Test-CrmMigration: Check two entities with no mapping'      = 'Copy-CrmData ./export ./new.db -Entity accounts, contacts -Create | Out-Null'
        'Test-CrmMigration: Check and write the sign-off report'      = $Migrate
        'Export-CrmReport: Report on the newest run of a target, in HTML and Excel' = $Migrate
        'Export-CrmReport: A run and its validation in one report' = $Migrate
        'Export-CrmReport: Keep the JSON and check it in a script' = $Migrate
        'Undo-CrmMigration: Look first, then undo the newest run' = $Migrate
        # two runs into one ledger, the second updating rows the first inserted (the source changed in between)
        'Undo-CrmMigration: Undo an older run and every later run in its way, in a scheduled script' = 'Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create -StatePath ./ledger.sqlite | Out-Null; Invoke-CrmTestSql -Kind Sqlite -Database ./legacy.db -Sql "UPDATE contacts SET last_name = last_name || ''-2'' WHERE rowid % 5 = 0" | Out-Null; Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Mode Upsert -StatePath ./ledger.sqlite | Out-Null'
        'Export-CrmReport: A decommission report in Chinese, and its JSON for the archive' = 'Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -RetainUntil 2099-01-01 -Confirm:$false | Out-Null'
    }
    # Errors an example may write besides the records the messy practice data makes the mapping and the
    # target reject (Record*, MissingParent): what the example's own text says will happen.
    $script:ExpectedErrors = @{
        'Disable-CrmSystem: Freeze, archive and verify now; purge after the retention period' = 'PurgeRefused'           # the retention date has not passed yet
        'Disable-CrmSystem: Put a legal hold on the data' = @()
        'Export-CrmData: A Salesforce report and a legacy Windows-1252 export' = 'CsvSingleFieldRow'   # the report's footer lines
        'Import-CrmData: Keep the rejects in files to fix and re-import'    = 'DuplicateKey'           # the contacts are already there: the rejects to fix
        'Test-CrmArchive: Check an archive and show only problems'   = @()
    }

    function Invoke-Example([string] $Name, [string[]] $Commands) {
        # Runs an example in a fresh copy of the template, in a runspace of its own; returns the captured streams.
        $dir = New-CrmTestFolder
        Copy-Item -Path (Join-Path $Template '*') -Destination $dir -Recurse
        Push-Location $dir
        try {
            $setup = $Setup[$Name]
            if ($setup -is [hashtable]) {
                # The example's commands up to its '# ...' line run in a child pwsh that dies there (a fault point
                # SIGKILLs it), as the example says happened; the rest of the example runs as written.
                $cut = [array]::FindIndex($Commands, [Predicate[string]] { param($c) $c.TrimStart().StartsWith('# ...') })
                $cut | Should -BeGreaterThan 0 -Because "$Name must say where it was killed ('# ...')"
                $null = Invoke-CrmTestChild -Script (ConvertTo-LocalCode ($Commands[0..($cut - 1)] -join "`n")) -Environment @{ CRMMIGRATION_FAULT = $setup.KilledFirst }
                (Get-CrmMigrationRun ./new.db).Status | Should -Be 'Running' -Because 'the first part of the example must have been killed'
                $Commands = $Commands[($cut + 1)..($Commands.Count - 1)]
            }
            elseif ($setup -eq 'Killed') {
                # an import killed half-way (the process SIGKILLs itself at batch 2), as the example assumes
                $null = Invoke-CrmTestChild -Script 'Export-CrmData ./legacy.db -Entity contacts | Import-CrmData ./new.db -Create -BatchSize 50' -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:2' }
            }
            elseif ($setup) { Invoke-Expression $setup }
            Invoke-CrmTestCapture -Script @($Commands | ForEach-Object { ConvertTo-LocalCode $_ })
        }
        finally { Pop-Location }
    }

    function Assert-RanAsShown($Example, $Result) {
        $Result.Terminating | Should -BeNullOrEmpty -Because "$($Example.Name) must run as written: $($Result.Terminating)"
        $allowed = @($ExpectedErrors[$Example.Key])
        foreach ($e in $Result.Error) {
            $id = $e | Get-CrmTestErrorId
            ($id -like 'Record*' -or $id -eq 'MissingParent' -or $id -in $allowed) | Should -BeTrue -Because "$($Example.Name) wrote $id`: $e"
        }
        # A transcript that shows a table: the module still prints one with the same columns.
        $shown = @($Example.Shown)
        for ($i = 0; $i + 1 -lt $shown.Count; $i++) {
            if ($shown[$i].Trim() -and $shown[$i + 1] -match '^\s*-+(\s+-+)*\s*$') {
                $header = ($shown[$i].Trim() -replace '\s+', ' ')
                # the output of the last command, formatted on its own as the prompt shows it
                $last = @($Result.OutputByCommand[-1])
                $last.Count | Should -BeGreaterThan 0 -Because "$($Example.Name) shows output"
                $printed = (($last | Out-String -Width 400) -replace '\x1b\[[0-9;]*m', '') -split "`r?`n" | ForEach-Object { $_.Trim() -replace '\s+', ' ' }
                $printed | Should -Contain $header -Because "$($Example.Name) shows the columns '$header'"
                break
            }
        }
    }
}

Describe 'Help examples' {
    It 'runs <Example.Name>: <Example.Title>' -ForEach $Cases {
        $r = Invoke-Example $Example.Key $Example.Commands
        Assert-RanAsShown $Example $r
    }

    It 'leaves out only the examples that need a CRM on a database server' -ForEach @(@{ Server = $ServerExamples }) {
        $notRun = @(Get-CrmTestDocExample | Where-Object Key -in $Server)
        $notRun.Count | Should -Be $Server.Count
        # each connects to a server, or goes on with a server connection named before ($c, $pg)
        $notRun | ForEach-Object { $_.Code | Should -Match 'New-CrmConnection (-Provider )?(PostgreSql|MySql)|^Disable-CrmSystem \$c |-Source \$pg\b' -Because "$($_.Name) is left out as a server example" }
    }
}

Describe 'The README' {
    It 'runs the five-minute tour and the decommission as written (the lines on database servers aside)' {
        # The README's PowerShell blocks from '## A five-minute tour' on; the lines that use the example servers
        # ($cred from Get-Credential, $old and $new on named hosts) are left out: Database.Tests.ps1 and
        # Copy-CrmData.Tests.ps1 run the same commands against the test servers.
        $readme = Get-Content (Join-Path (Get-CrmTestRepoRoot) 'README.md')
        $start = [array]::IndexOf($readme, '## A five-minute tour')
        $start | Should -BeGreaterThan 0
        $blocks = [Collections.Generic.List[string]]::new(); $inCode = $false; $left = 0; $continued = $false
        foreach ($line in $readme[$start..($readme.Count - 1)]) {
            if ($line -match '^## ' -and $line -ne '## A five-minute tour') { break }
            if ($line -eq '```powershell') { $inCode = $true; $blocks.Add(''); continue }
            if ($line -eq '```') { $inCode = $false; continue }
            if (-not $inCode) { continue }
            # a command on the example servers, with its continuation lines
            if ($continued -or $line -match '\$old\b|\$new\b|\$cred\b|Get-Credential') { $left++; $continued = $line.EndsWith('`'); continue }
            $blocks[$blocks.Count - 1] += $line + "`n"
        }
        $blocks.Count | Should -Be 2 -Because 'the tour and the decommission'
        $left | Should -Be 8 -Because 'only the lines on the example servers are left out'
        $dir = New-CrmTestFolder
        New-Item -ItemType Directory (Join-Path $dir 'examples') | Out-Null
        Copy-Item (Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1') (Join-Path $dir 'examples')
        Copy-Item (Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-dedupe.psd1') (Join-Path $dir 'examples')
        Push-Location $dir
        try {
            # the exports the tour reads as other tools wrote them
            Invoke-Expression $Western
            Invoke-Expression $Denormalised
            $r = Invoke-CrmTestCapture -Script @($blocks | ForEach-Object { ConvertTo-LocalCode $_.Replace('-Scale 10000', '-Scale 1000') })
            Assert-RanAsShown ([pscustomobject]@{ Name = 'README'; Key = 'README'; Shown = @() }) $r
            './new.db' | Should -Exist
            './draft.psd1' | Should -Exist
            './archive/legacy.zip' | Should -Exist
            (Test-CrmAuditLog ./decom.audit.jsonl).Valid | Should -BeTrue
            @($r.Output | Where-Object { $_ -is [CrmMigration.CrmValidationResult] -and $_.Status -eq 'Fail' }) | Should -BeNullOrEmpty
        }
        finally { Pop-Location }
    }
}

Describe 'Example scripts' {
    It 'examples/cutover.ps1 runs unattended: bulk, a delta, the freeze, the final delta, the checks and the report' {
        $dir = New-CrmTestFolder
        Push-Location $dir
        try { New-CrmSampleData ./legacy.db -Seed 42 -Scale 200 | Out-Null } finally { Pop-Location }
        $script = Join-Path (Get-CrmTestRepoRoot) 'examples/cutover.ps1'
        $map = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'
        $r = Invoke-CrmTestChild -WorkingDirectory $dir -Script "& '$script' -Source ./legacy.db -Target ./new.db -Mapping '$map' -Work ./cutover -Deltas 1 -IntervalSeconds 0"
        $r.ExitCode | Should -Be 0 -Because $r.Error
        ($r.Output -join "`n") | Should -Match 'Freeze\s+Done'
        ($r.Output -join "`n") | Should -Match 'Final run \S+ \(Delta, after \S+\)'
        (Join-Path $dir 'cutover/cutover.html') | Should -Exist
        $runs = Get-CrmMigrationRun (Join-Path $dir 'new.db')
        @($runs.Kind) | Should -Be @('Delta', 'Delta', 'Import')
        $runs[0].PreviousRunId | Should -Be $runs[1].RunId
        $runs | ForEach-Object { $_.Balanced | Should -BeTrue }
    }

    It 'examples/decommission.ps1 runs unattended in a scheduler''s pwsh: refuses the purge during retention, purges after it' {
        $dir = New-CrmTestFolder
        New-CrmTestDecomSource -Path (Join-Path $dir 'legacy.db')
        $script = Join-Path (Get-CrmTestRepoRoot) 'examples/decommission.ps1'
        $first = Invoke-CrmTestChild -WorkingDirectory $dir -Script "& '$script' -Source ./legacy.db -Work ./decom -RetainUntil 2099-01-01"
        $first.ExitCode | Should -Be 0 -Because $first.Error
        ($first.Output -join "`n") | Should -Match 'Purge not yet'
        (Join-Path $dir 'legacy.db') | Should -Exist
        $second = Invoke-CrmTestChild -WorkingDirectory $dir -Script "& '$script' -Source ./legacy.db -Work ./decom -RetainUntil 2000-01-01"
        $second.ExitCode | Should -Be 0 -Because $second.Error
        ($second.Output -join "`n") | Should -Match 'Purge\s+Done'
        (Join-Path $dir 'legacy.db') | Should -Not -Exist
        (Join-Path $dir 'decom/decommission.audit.head') | Should -Exist
    }
}
