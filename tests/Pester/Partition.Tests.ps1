# Partitioned runs (Copy-CrmData -Partition k/n) over a shared PostgreSQL ledger, with real worker processes:
# four workers (Start-Job, each a pwsh of its own importing the built module) copy one CSV source into PostgreSQL,
# one of them is killed mid-run by a fault point and started again; the target holds exactly the source set,
# the books balance, and the run is Completed only after the last partition.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule
    Initialize-CrmTestDbServers
    $script:Manifest = Get-CrmTestManifest

    # A worker: a job (its own pwsh process) that imports the module and copies one partition.
    function Start-Worker {
        param([int] $Part, [int] $Parts = 4, [string] $RunId, [string] $Source, [string] $Database, [string] $Ledger, [string] $Mapping, [string] $Fault, [string] $Pause, [int] $BatchSize = 500, [string] $ErrorActionTaken = 'Stop')
        Start-Job -ArgumentList $Part, $Parts, $RunId, $Source, $Database, $Ledger, $Mapping, $Fault, $Pause, $BatchSize, $script:Manifest, $env:CRMMIGRATION_STATE_HOME, $ErrorActionTaken -ScriptBlock {
            param($Part, $Parts, $RunId, $Source, $Database, $Ledger, $Mapping, $Fault, $Pause, $BatchSize, $Manifest, $StateHome, $ErrorActionTaken)
            $env:CRMMIGRATION_STATE_HOME = $StateHome
            if ($Fault) { $env:CRMMIGRATION_FAULT = $Fault }
            if ($Pause) { $env:CRMMIGRATION_PAUSE = $Pause }
            Import-Module $Manifest -ErrorAction Stop
            $cred = [pscredential]::new($env:CRM_PG_USER, (ConvertTo-SecureString $env:CRM_PG_PASSWORD -AsPlainText -Force))
            $target = New-CrmConnection -Provider PostgreSql -Server $env:CRM_PG_HOST -Port $env:CRM_PG_PORT -Database $Database -Credential $cred
            $copy = @{ Source = $Source; Target = $target; Create = $true; Partition = "$Part/$Parts"; RunId = $RunId; StatePath = $Ledger; BatchSize = $BatchSize; ErrorAction = $ErrorActionTaken }
            if ($Mapping) { $copy.Mapping = $Mapping }
            Copy-CrmData @copy -WarningAction SilentlyContinue
        }
    }

    function Get-LedgerUrl([string] $Database) {
        "postgresql://$($env:CRM_PG_USER):$($env:CRM_PG_PASSWORD)@$($env:CRM_PG_HOST):$($env:CRM_PG_PORT)/$Database"
    }

    function Get-PartitionStatus([string] $Database, [string] $RunId) {
        # (Nothing before the first worker has made the ledger's tables.)
        try { @(Invoke-CrmTestSql -Kind PostgreSql -Database $Database -Sql "SELECT p.part, p.status FROM crm_ledger.partitions p JOIN crm_ledger.runs r ON r.run_no = p.run_no WHERE r.run_id = '$RunId' ORDER BY p.part") }
        catch { @() }
    }

    function Wait-Until([scriptblock] $Condition, [int] $Seconds = 120) {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while (-not (& $Condition)) {
            if ($clock.Elapsed.TotalSeconds -gt $Seconds) { throw "Timed out after $Seconds s waiting for: $Condition" }
            Start-Sleep -Milliseconds 200
        }
    }

    $script:Dir = New-CrmTestFolder 'partition'
    $script:SourceDir = Join-Path $Dir 'people'
    New-Item -ItemType Directory $SourceDir | Out-Null
    $script:Count = 20000
    $lines = [Collections.Generic.List[string]]::new()
    $lines.Add('Id,Name,Amount')
    for ($i = 1; $i -le $Count; $i++) { $lines.Add("P$i,Person $i,$($i % 997).25") }
    [IO.File]::WriteAllLines((Join-Path $SourceDir 'people.csv'), $lines)
    $script:Databases = [Collections.Generic.List[object]]::new()
}

AfterAll {
    Get-Job | Remove-Job -Force -ErrorAction Ignore
    $script:Databases | Remove-CrmTestDatabase
}

Describe 'Copy-CrmData -Partition: four workers, one killed and started again' {
    BeforeAll {
        $script:Target = New-CrmTestDatabase -Kind PostgreSql; $Databases.Add($Target)
        $script:LedgerDb = New-CrmTestDatabase -Kind PostgreSql; $Databases.Add($LedgerDb)
        $script:Ledger = Get-LedgerUrl $LedgerDb.Name
        # Workers 1, 3 and 4 run through; worker 2 kills itself after its 4th batch reached the target but not the ledger.
        $jobs = foreach ($k in 1..4) {
            $fault = if ($k -eq 2) { 'after-target:4' } else { $null }
            Start-Worker -Part $k -RunId 'people-1' -Source $SourceDir -Database $Target.Name -Ledger $Ledger -Fault $fault
        }
        $null = $jobs | Wait-Job -Timeout 300
        $script:FirstRound = @{}
        foreach ($k in 1..4) { $FirstRound[$k] = @(Receive-Job $jobs[$k - 1] -ErrorAction SilentlyContinue -ErrorVariable +errs) }
        $script:StatusAfterKill = Get-PartitionStatus $LedgerDb.Name 'people-1'
        $script:RunAfterKill = Get-CrmMigrationRun -StatePath $Ledger -RunId 'people-1'
        $script:RowsAfterKill = [long](Invoke-CrmTestSql -Kind PostgreSql -Database $Target -Sql 'SELECT count(*) FROM people')[0]
        # Worker 2 again: it takes over the dead holder's partition and resumes it from the ledger.
        $again = Start-Worker -Part 2 -RunId 'people-1' -Source $SourceDir -Database $Target.Name -Ledger $Ledger
        $null = $again | Wait-Job -Timeout 300
        $script:SecondRound = @(Receive-Job $again -ErrorAction SilentlyContinue -ErrorVariable againErrors)
        $script:AgainErrors = @($againErrors)
        $script:Run = Get-CrmMigrationRun -StatePath $Ledger -RunId 'people-1'
    }

    It 'three partitions finished and the killed one did not, so the run is not Completed' {
        foreach ($k in 1, 3, 4) {
            $FirstRound[$k].Count | Should -Be 1
            $FirstRound[$k][0].Partition | Should -Be "$k/4"
            $FirstRound[$k][0].Rejected | Should -Be 0
        }
        $FirstRound[2].Count | Should -Be 0
        $StatusAfterKill | Should -Be @("1`tDone", "2`tRunning", "3`tDone", "4`tDone")
        $RunAfterKill.Status | Should -Be 'Running'
        $RunAfterKill.PartitionProgress | Should -Be '3/4'
        $RowsAfterKill | Should -BeLessThan $Count
    }

    It 'the worker started again finishes its partition and completes the run' {
        $AgainErrors | Should -BeNullOrEmpty
        $SecondRound.Count | Should -Be 1
        $SecondRound[0].Partition | Should -Be '2/4'
        $SecondRound[0].Rejected | Should -Be 0
        $Run.Status | Should -Be 'Completed'
        $Run.Partitions | Should -Be 4
        $Run.PartitionProgress | Should -Be '4/4'
        $Run.Balanced | Should -BeTrue
        (Get-PartitionStatus $LedgerDb.Name 'people-1') | Should -Be @("1`tDone", "2`tDone", "3`tDone", "4`tDone")
    }

    It 'the partitions together read every source record once and the books balance' {
        $parts = @($FirstRound[1]) + @($SecondRound) + @($FirstRound[3]) + @($FirstRound[4])
        ($parts | Measure-Object Read -Sum).Sum | Should -Be $Count
        ($parts | Measure-Object Inserted -Sum).Sum + ($parts | Measure-Object Skipped -Sum).Sum + ($parts | Measure-Object Updated -Sum).Sum | Should -Be $Count
        $Run.Read | Should -Be $Count
        $Run.Rejected | Should -Be 0
        $e = $Run.Entities[0]
        $e.Read | Should -Be ($e.Inserted + $e.Updated + $e.Skipped + $e.Rejected + $e.Merged + $e.Filtered + $e.Deleted)
    }

    It 'the target holds exactly the source set (checked with psql)' {
        $rows = Invoke-CrmTestSql -Kind PostgreSql -Database $Target -Sql 'SELECT count(*), count(DISTINCT "Id") FROM people'
        $rows | Should -Be "$Count`t$Count"
        $want = ((1..$Count | ForEach-Object { "P$_" } | Sort-Object -Culture '') -join "`n")
        $have = ((Invoke-CrmTestSql -Kind PostgreSql -Database $Target -Sql 'SELECT "Id" FROM people') | Sort-Object -Culture '') -join "`n"
        $have | Should -BeExactly $want
        Invoke-CrmTestSql -Kind PostgreSql -Database $Target -Sql "SELECT ""Name"" || '|' || ""Amount"" FROM people WHERE ""Id"" = 'P12345'" | Should -Be 'Person 12345|381.25'
    }

    It 'a finished partition is refused' {
        $cred = Get-CrmTestCredential -Kind PostgreSql
        $t = New-CrmConnection -Provider PostgreSql -Server $env:CRM_PG_HOST -Port $env:CRM_PG_PORT -Database $Target.Name -Credential $cred
        { Copy-CrmData $SourceDir $t -Partition 3/4 -RunId 'people-1' -StatePath $Ledger -ErrorAction Stop } | Should -Throw -ErrorId 'PartitionAlreadyDone,CrmMigration.Commands.CopyCrmDataCommand'
    }
}

Describe 'Copy-CrmData -Partition with a mapping: the CSV batch path' {
    It 'maps its slice batch by batch, and a killed worker started again seeks past what it recorded by byte offset' {
        $target = New-CrmTestDatabase -Kind PostgreSql; $Databases.Add($target)
        $ledgerDb = New-CrmTestDatabase -Kind PostgreSql; $Databases.Add($ledgerDb)
        $ledger = Get-LedgerUrl $ledgerDb.Name
        $map = Join-Path $Dir 'people.psd1'
        Set-Content $map "@{ Entities = @{ Person = @{ Source = 'people'; Key = 'PersonId'; Fields = [ordered]@{
            PersonId = 'Id'; FullName = 'Name'; Amount = @{ Source = 'Amount'; Type = 'Decimal' } } } } }"
        $copy = "`$t = New-CrmConnection -Provider PostgreSql -Server `$env:CRM_PG_HOST -Port `$env:CRM_PG_PORT -Database $($target.Name) -Credential ([pscredential]::new(`$env:CRM_PG_USER, (ConvertTo-SecureString `$env:CRM_PG_PASSWORD -AsPlainText -Force)))
Copy-CrmData '$SourceDir' `$t -Create -Mapping '$map' -RunId 'mapped' -StatePath '$ledger' -BatchSize 500"
        # Partition 2 runs through; partition 1 dies (SIGKILL) after the ledger recorded its 12th batch, then starts again.
        $two = Invoke-CrmTestChild -Script "$copy -Partition 2/2 | ForEach-Object { `"read=`$(`$_.Read)`" }"
        $two.ExitCode | Should -Be 0 -Because $two.Error
        $killed = Invoke-CrmTestChild -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:12' } -Script "$copy -Partition 1/2 -ErrorAction SilentlyContinue | Out-Null"
        $killed.ExitCode | Should -Not -Be 0
        $again = Invoke-CrmTestChild -Script "$copy -Partition 1/2 -Verbose 4>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.VerboseRecord]) { `"`$_`" } else { `"read=`$(`$_.Read)`" } }"
        $again.ExitCode | Should -Be 0 -Because $again.Error
        $text = $again.Output -join "`n"
        # A byte offset is what only the batch path keeps: the record path cannot seek into a file.
        $text | Should -Match 'people: resumed after row [\d,]+ \(line [\d,]+, byte [\d,]+\)'
        $text | Should -Match 'first new record written'
        [int]($text | Select-String 'resumed after row ([\d,]+)').Matches[0].Groups[1].Value.Replace(',', '') | Should -BeGreaterThan 5000
        # The books: each partition read its own slice, together every row once; the target holds exactly the source set.
        $read = @(($two.Output + $again.Output) | Where-Object { $_ -match '^read=' } | ForEach-Object { [int]($_ -replace '^read=', '') })
        $read.Count | Should -Be 2
        ($read | Measure-Object -Sum).Sum | Should -Be $Count
        $run = Get-CrmMigrationRun -StatePath $ledger -RunId 'mapped'
        $run.Status | Should -Be 'Completed'
        $run.Balanced | Should -BeTrue
        $run.Read | Should -Be $Count
        Invoke-CrmTestSql -Kind PostgreSql -Database $target -Sql 'SELECT count(*), count(DISTINCT "PersonId") FROM "Person"' | Should -Be "$Count`t$Count"
        Invoke-CrmTestSql -Kind PostgreSql -Database $target -Sql "SELECT ""FullName"" || '|' || ""Amount"" FROM ""Person"" WHERE ""PersonId"" = 'P12345'" | Should -Be 'Person 12345|381.25'
    }
}

Describe 'Copy-CrmData -Partition: a live partition is refused' {
    It 'a second worker on a partition whose holder runs stops with PartitionLeaseHeld' {
        $target = New-CrmTestDatabase -Kind PostgreSql; $Databases.Add($target)
        $ledgerDb = New-CrmTestDatabase -Kind PostgreSql; $Databases.Add($ledgerDb)
        $ledger = Get-LedgerUrl $ledgerDb.Name
        # The holder pauses 20 s after its second batch: it is alive, with its heartbeat, while the second worker asks.
        $holder = Start-Worker -Part 1 -Parts 2 -RunId 'held' -Source $SourceDir -Database $target.Name -Ledger $ledger -Pause 'after-ledger:2:20000'
        Wait-Until { (Get-PartitionStatus $ledgerDb.Name 'held') -contains "1`tRunning" }
        $t = New-CrmConnection -Provider PostgreSql -Server $env:CRM_PG_HOST -Port $env:CRM_PG_PORT -Database $target.Name -Credential (Get-CrmTestCredential -Kind PostgreSql)
        { Copy-CrmData $SourceDir $t -Create -Partition 1/2 -RunId 'held' -StatePath $ledger -ErrorAction Stop } | Should -Throw -ErrorId 'PartitionLeaseHeld,CrmMigration.Commands.CopyCrmDataCommand'
        # The other partition is free: it runs, and the run waits for the holder.
        $other = @(Copy-CrmData $SourceDir $t -Create -Partition 2/2 -RunId 'held' -StatePath $ledger -ErrorAction Stop)
        $other[0].Partition | Should -Be '2/2'
        (Get-CrmMigrationRun -StatePath $ledger -RunId 'held').Status | Should -Be 'Running'
        $null = $holder | Wait-Job -Timeout 300
        $held = @(Receive-Job $holder)
        $held[0].Partition | Should -Be '1/2'
        $run = Get-CrmMigrationRun -StatePath $ledger -RunId 'held'
        $run.Status | Should -Be 'Completed'
        $run.Balanced | Should -BeTrue
        $held[0].Read + $other[0].Read | Should -Be $Count
        Invoke-CrmTestSql -Kind PostgreSql -Database $target -Sql 'SELECT count(DISTINCT "Id") FROM people' | Should -Be "$Count"
    }
}

Describe 'Copy-CrmData -Partition: references across partitions' {
    It 'children whose parents are in another partition wait for them instead of being rejected' {
        $target = New-CrmTestDatabase -Kind PostgreSql; $Databases.Add($target)
        $ledgerDb = New-CrmTestDatabase -Kind PostgreSql; $Databases.Add($ledgerDb)
        $ledger = Get-LedgerUrl $ledgerDb.Name
        $src = Join-Path $Dir 'crm'
        New-Item -ItemType Directory $src -Force | Out-Null
        [IO.File]::WriteAllLines((Join-Path $src 'accounts.csv'), @('account_id,name') + (1..200 | ForEach-Object { "A$_,Account $_" }))
        # Every contact's account is looked for in all partitions; C0 references an account nowhere.
        [IO.File]::WriteAllLines((Join-Path $src 'contacts.csv'), @('contact_id,last_name,account_id') + (1..1000 | ForEach-Object { "C$_,Last $_,A$(($_ * 7) % 200 + 1)" }) + 'C0,Nobody,A999')
        $map = Join-Path $Dir 'crm.psd1'
        Set-Content $map "@{ Entities = [ordered]@{
            Account = @{ Source = 'accounts'; Key = 'AccountId'; Fields = [ordered]@{ AccountId = 'account_id'; Name = 'name' } }
            Contact = @{ Source = 'contacts'; Key = 'ContactId'; Fields = [ordered]@{ ContactId = 'contact_id'; LastName = 'last_name'; AccountId = @{ Source = 'account_id'; Reference = 'Account' } } } } }"
        # Partition 1 runs alone first: its contacts whose accounts are in partitions 2-4 must wait until those run.
        $first = Start-Worker -Part 1 -RunId 'crm' -Source $src -Database $target.Name -Ledger $ledger -Mapping $map -BatchSize 50 -ErrorActionTaken Continue
        Wait-Until { (Get-PartitionStatus $ledgerDb.Name 'crm') -contains "1`tWaiting:0" }
        $others = foreach ($k in 2..4) { Start-Worker -Part $k -RunId 'crm' -Source $src -Database $target.Name -Ledger $ledger -Mapping $map -BatchSize 50 -ErrorActionTaken Continue }
        $null = @($first) + @($others) | Wait-Job -Timeout 300
        $summaries = @(@($first) + @($others) | Receive-Job -ErrorAction SilentlyContinue -ErrorVariable workerErrors)
        # One error, for the one contact whose account is in no partition, from whichever worker read it.
        @($workerErrors).Count | Should -Be 1
        "$(@($workerErrors)[0])" | Should -BeLike "*Contact C0*A999*"
        $contacts = @($summaries | Where-Object Entity -eq 'Contact')
        $contacts.Count | Should -Be 4
        ($contacts | Measure-Object Read -Sum).Sum | Should -Be 1001
        ($contacts | Measure-Object Rejected -Sum).Sum | Should -Be 1
        ($contacts | Measure-Object Inserted -Sum).Sum | Should -Be 1000
        $rejected = @(Get-CrmMigrationRecord -StatePath $ledger -RunId 'crm' -Outcome Rejected)
        $rejected.Count | Should -Be 1
        $rejected[0].SourceKey | Should -Be 'C0'
        $rejected[0].ReasonCode | Should -Be 'MissingParent'
        Invoke-CrmTestSql -Kind PostgreSql -Database $target -Sql 'SELECT count(*) FROM "Contact" c JOIN "Account" a ON a."AccountId" = c."AccountId"' | Should -Be '1000'
        # The foreign key the mapping's Reference adds comes after every partition's data, made by the last worker.
        Invoke-CrmTestSql -Kind PostgreSql -Database $target -Sql "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = '""Contact""'::regclass" | Should -Be '1'
        $run = Get-CrmMigrationRun -StatePath $ledger -RunId 'crm'
        $run.Status | Should -Be 'Completed'
        $run.Balanced | Should -BeTrue
    }
}

Describe 'Copy-CrmData -Partition: arguments' {
    It 'refuses <Partition> with PartitionInvalid' -ForEach @(
        @{ Partition = '0/4' }, @{ Partition = '5/4' }, @{ Partition = '1/0' }, @{ Partition = '3' }, @{ Partition = '1,5/4' }, @{ Partition = '-1/4' }, @{ Partition = 'a/b' }
    ) {
        { Copy-CrmData $SourceDir (Join-Path $TestDrive 'p.db') -Partition $Partition -RunId r -ErrorAction Stop } | Should -Throw -ErrorId 'PartitionInvalid,CrmMigration.Commands.CopyCrmDataCommand'
    }

    It 'needs a run id' {
        { Copy-CrmData $SourceDir (Join-Path $TestDrive 'p.db') -Partition 1/2 -ErrorAction Stop } | Should -Throw -ErrorId 'PartitionNeedsRunId,CrmMigration.Commands.CopyCrmDataCommand'
    }

    It 'does not go with -NoLedger' {
        { Copy-CrmData $SourceDir (Join-Path $TestDrive 'p.db') -Partition 1/2 -RunId r -NoLedger -ErrorAction Stop } | Should -Throw -ErrorId 'ResumeNeedsLedger,CrmMigration.Commands.CopyCrmDataCommand'
    }

    It 'parses k/n the same in every culture and refuses another n for the same run' {
        $db = Join-Path $TestDrive 'c.db'
        $before = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'ar-SA'
            $one = @(Copy-CrmData $SourceDir $db -Create -Partition 1/2 -RunId cult -ErrorAction Stop)
        }
        finally { [cultureinfo]::CurrentCulture = $before }
        $one[0].Partition | Should -Be '1/2'
        { Copy-CrmData $SourceDir $db -Partition 2/3 -RunId cult -ErrorAction Stop } | Should -Throw -ErrorId 'PartitionCountMismatch,CrmMigration.Commands.CopyCrmDataCommand'
        $two = @(Copy-CrmData $SourceDir $db -Partition 2/2 -RunId cult -ErrorAction Stop)
        $one[0].Read + $two[0].Read | Should -Be $Count
        (Get-CrmMigrationRun $db -RunId cult).Status | Should -Be 'Completed'
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'SELECT count(DISTINCT Id) FROM people' | Should -Be "$Count"
    }
}
