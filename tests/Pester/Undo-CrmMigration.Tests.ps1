BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule

    # Every table of a target and the hash of its rows, read with the database's own client (not our code).
    function Get-TableHashes($Kind, $Database) {
        $tables = switch ($Kind) {
            'Sqlite' { Invoke-CrmTestSql -Kind Sqlite -Database $Database -Sql "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;" }
            'PostgreSql' { Invoke-CrmTestSql -Kind PostgreSql -Database $Database -Sql "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1;" }
            'MySql' { Invoke-CrmTestSql -Kind MySql -Database $Database -Sql 'SHOW TABLES;' | Sort-Object }
        }
        $hashes = [ordered]@{}
        foreach ($t in $tables) {
            $q = if ($Kind -eq 'MySql') { "``$t``" } else { "`"$t`"" }
            $rows = Invoke-CrmTestSql -Kind $Kind -Database $Database -Sql "SELECT * FROM $q ORDER BY 1;"
            $bytes = [Text.Encoding]::UTF8.GetBytes(($rows -join "`n"))
            $hashes[$t] = [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes)) + " ($($rows.Count) rows)"
        }
        $hashes
    }

    function Format-Hashes($h) { ($h.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join '; ' }

    # A target as its CRM made it, with rows before any migration: typed columns, NULLs, a foreign key.
    function New-Target($Kind) {
        $ddl = @'
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, revenue NUMERIC(12,2), founded DATE);
CREATE TABLE contacts (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id), email VARCHAR(200), note TEXT);
INSERT INTO accounts VALUES (1, 'Acme', 1200.50, '2001-02-03'), (2, 'Globex', NULL, NULL);
INSERT INTO contacts VALUES (10, 1, 'ann@acme.example', 'first'), (11, 2, NULL, NULL), (12, 1, 'bo@acme.example', 'Zoë ünïcode');
'@
        if ($Kind -eq 'Sqlite') {
            $file = Join-Path $TestDrive ("t-" + [Guid]::NewGuid().ToString('N').Substring(0, 8) + '.db')
            Invoke-CrmTestSql -Kind Sqlite -Database $file -Sql $ddl | Out-Null
            return [pscustomobject]@{ Kind = 'Sqlite'; Name = $file; Connection = (New-CrmConnection -Provider Sqlite -Path $file); Db = $null }
        }
        $db = New-CrmTestDatabase -Kind $Kind
        Invoke-CrmTestSql -Kind $Kind -Database $db -Sql $ddl | Out-Null
        [pscustomobject]@{ Kind = $Kind; Name = $db.Name; Connection = $db.Connection; Db = $db }
    }

    # The source, as another tool exported it: CSV with CRLF, quoted text, changes to some rows and new ones.
    function New-Source([string] $Tag = 'a') {
        $dir = Join-Path $TestDrive ("src-" + [Guid]::NewGuid().ToString('N').Substring(0, 8))
        New-CrmTestCsv -Path (Join-Path $dir 'accounts.csv') -Line 'id,name,revenue,founded', "1,""Acme $Tag, Inc."",1300.75,2001-02-03", '3,Initech,99.99,1999-12-31', '4,Umbrella,,' | Out-Null
        New-CrmTestCsv -Path (Join-Path $dir 'contacts.csv') -Line 'id,account_id,email,note', "10,1,ann@acme.example,changed $Tag", '13,3,cy@initech.example,new', '14,4,,', '15,1,dee@acme.example,"two, parts"' | Out-Null
        New-CrmTestCsv -Path (Join-Path $dir 'leads.csv') -Line 'id,name', '100,Lead one', '101,Lead two' | Out-Null
        $dir
    }

    # One run: one pipeline of every entity into the target.
    function Invoke-Run($Target, $Source, $State, [int] $BatchSize = 1000) {
        (@(Export-CrmData $Source -Entity accounts, contacts, leads | Import-CrmData -Connection $Target.Connection -Key id -Mode Upsert -Create -StatePath $State -BatchSize $BatchSize))[0].RunId
    }
}

Describe 'Undo-CrmMigration' {
    Context 'on <Kind>' -ForEach @(@{ Kind = 'Sqlite' }, @{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
        BeforeAll {
            $script:T = New-Target $Kind
            $script:State = Join-Path $TestDrive "ledger-$Kind.sqlite"
            $script:Before = Get-TableHashes $Kind $T.Name
            $src = New-Source
            $script:RunId = Invoke-Run $T $src $State
            $script:After = Get-TableHashes $Kind $T.Name
        }
        AfterAll { if ($T.Db) { Remove-CrmTestDatabase $T.Db } }

        It 'changed the target (inserted, updated, created a table)' {
            (Format-Hashes $After) | Should -Not -Be (Format-Hashes $Before)
            $After.Keys | Should -Contain 'leads'
        }

        It '-WhatIf counts per entity and changes nothing' {
            $plan = Undo-CrmMigration $T.Connection -RunId $RunId -StatePath $State -WhatIf
            $byEntity = @{}; $plan | ForEach-Object { $byEntity[$_.Entity] = $_ }
            $byEntity['accounts'].Deleted | Should -Be 2      # 3 and 4 were inserted
            $byEntity['accounts'].Updated | Should -Be 1      # 1 was updated
            $byEntity['contacts'].Deleted | Should -Be 3
            $byEntity['contacts'].Updated | Should -Be 1
            $byEntity['leads'].Deleted | Should -Be 2
            $plan | ForEach-Object { $_.WhatIf | Should -BeTrue }
            (Format-Hashes (Get-TableHashes $Kind $T.Name)) | Should -Be (Format-Hashes $After)
            (Get-CrmMigrationRun -StatePath $State -RunId $RunId).Status | Should -Be 'Completed'
        }

        It 'puts every table back exactly, drops the table the run created, and records the undo as a balanced run' {
            $done = Undo-CrmMigration $T.Connection -RunId $RunId -StatePath $State -Confirm:$false
            (Format-Hashes (Get-TableHashes $Kind $T.Name)) | Should -Be (Format-Hashes $Before)
            ($done | Measure-Object Deleted -Sum).Sum | Should -Be 7
            ($done | Measure-Object Updated -Sum).Sum | Should -Be 2
            $runs = Get-CrmMigrationRun -StatePath $State
            $undo = $runs | Where-Object Kind -eq 'Undo'
            $undo.Undoes | Should -Be $RunId
            $undo.Status | Should -Be 'Completed'
            $undo.Balanced | Should -BeTrue
            ($runs | Where-Object RunId -eq $RunId).Status | Should -Be 'Undone'
            ($runs | Where-Object RunId -eq $RunId).UndoneBy | Should -Be $undo.RunId
        }

        It 'the next import writes the records again (the undone run''s fingerprints no longer count)' {
            $again = Invoke-Run $T (New-Source) $State
            $books = (Get-CrmMigrationRun -StatePath $State -RunId $again).Entities
            ($books | Measure-Object Skipped -Sum).Sum | Should -Be 0
            ($books | Measure-Object Inserted -Sum).Sum | Should -Be 7
            (Format-Hashes (Get-TableHashes $Kind $T.Name)) | Should -Be (Format-Hashes $After)
        }
    }

    Context 'later runs' {
        BeforeEach {
            $script:T = New-Target 'Sqlite'
            $script:State = Join-Path $TestDrive ("ledger-" + [Guid]::NewGuid().ToString('N').Substring(0, 6) + '.sqlite')
            $script:Before = Get-TableHashes 'Sqlite' $T.Name
            $script:First = Invoke-Run $T (New-Source 'a') $State
            $script:Middle = Get-TableHashes 'Sqlite' $T.Name
            $script:Second = Invoke-Run $T (New-Source 'b') $State
        }

        It 'refuses, changing nothing, when a later run changed the same records' {
            $after = Get-TableHashes 'Sqlite' $T.Name
            { Undo-CrmMigration $T.Connection -RunId $First -StatePath $State -Confirm:$false -ErrorAction Stop } |
                Should -Throw -ErrorId 'UndoLaterRunsChanged,CrmMigration.Commands.UndoCrmMigrationCommand'
            (Format-Hashes (Get-TableHashes 'Sqlite' $T.Name)) | Should -Be (Format-Hashes $after)
            (Get-CrmMigrationRun -StatePath $State -RunId $First).Status | Should -Be 'Completed'
            @(Get-CrmMigrationRun -StatePath $State | Where-Object Kind -eq 'Undo').Count | Should -Be 0
        }

        It 'undoes the later run first with -Force, then the run' {
            $done = Undo-CrmMigration $T.Connection -RunId $First -StatePath $State -Force -Confirm:$false
            (Format-Hashes (Get-TableHashes 'Sqlite' $T.Name)) | Should -Be (Format-Hashes $Before)
            @($done.RunId | Select-Object -Unique).Count | Should -Be 2
            (Get-CrmMigrationRun -StatePath $State -RunId $Second).Status | Should -Be 'Undone'
            (Get-CrmMigrationRun -StatePath $State -RunId $First).Status | Should -Be 'Undone'
        }

        It 'undoing only the later run leaves the target as the first run left it' {
            Undo-CrmMigration $T.Connection -RunId $Second -StatePath $State -Confirm:$false | Out-Null
            (Format-Hashes (Get-TableHashes 'Sqlite' $T.Name)) | Should -Be (Format-Hashes $Middle)
        }

        It 'says so and changes nothing for a run already undone; refuses an unknown run, an undo run and the wrong target' {
            Undo-CrmMigration $T.Connection -RunId $Second -StatePath $State -Confirm:$false | Out-Null
            $undo = (Get-CrmMigrationRun -StatePath $State | Where-Object Kind -eq 'Undo').RunId
            $out = Undo-CrmMigration $T.Connection -RunId $Second -StatePath $State -Confirm:$false -WarningVariable w 3>$null
            $out | Should -BeNullOrEmpty
            "$w" | Should -Match 'already undone'
            { Undo-CrmMigration $T.Connection -RunId 'nope' -StatePath $State -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'UndoRunNotFound,CrmMigration.Commands.UndoCrmMigrationCommand'
            { Undo-CrmMigration $T.Connection -RunId $undo -StatePath $State -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'UndoOfUndoRun,CrmMigration.Commands.UndoCrmMigrationCommand'
            $other = New-Target 'Sqlite'
            { Undo-CrmMigration $other.Connection -RunId $First -StatePath $State -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'UndoTargetMismatch,CrmMigration.Commands.UndoCrmMigrationCommand'
        }
    }

    Context 'a row the target will not take back' {
        It 'writes UndoRowRefused for it, leaves the undo unfinished, and continues it once the cause is gone' {
            $t = New-Target 'Sqlite'
            $state = Join-Path $TestDrive 'ledger-fk.sqlite'
            $before = Get-TableHashes 'Sqlite' $t.Name
            $src = New-Source
            $first = (@(Export-CrmData $src -Entity accounts | Import-CrmData -Connection $t.Connection -Key id -Mode Upsert -StatePath $state))[0].RunId
            # a later run that touches none of those rows but points at account 3, which the first run inserted
            New-CrmTestCsv -Path (Join-Path $src 'contacts.csv') -Line 'id,account_id,email,note', '20,3,x@initech.example,later' | Out-Null
            Export-CrmData $src -Entity contacts | Import-CrmData -Connection $t.Connection -Key id -Mode Upsert -StatePath $state | Out-Null
            $out = Undo-CrmMigration $t.Connection -RunId $first -StatePath $state -Confirm:$false -ErrorVariable ev -ErrorAction SilentlyContinue
            @($ev | Get-CrmTestErrorId) | Should -Be @('UndoRowRefused')
            $ev[0].TargetObject.Key | Should -Be '3'
            Invoke-CrmTestSql -Kind Sqlite -Database $t.Name -Sql 'SELECT id FROM accounts WHERE id = 3;' | Should -Be '3'
            (Get-CrmMigrationRun -StatePath $state -RunId $first).Status | Should -Be 'Completed'
            ($out | Measure-Object Rejected -Sum).Sum | Should -Be 1
            Invoke-CrmTestSql -Kind Sqlite -Database $t.Name -Sql 'DELETE FROM contacts WHERE id = 20;' | Out-Null
            Undo-CrmMigration $t.Connection -RunId $first -StatePath $state -Confirm:$false | Out-Null
            (Format-Hashes (Get-TableHashes 'Sqlite' $t.Name)) | Should -Be (Format-Hashes $before)
            (Get-CrmMigrationRun -StatePath $state -RunId $first).Status | Should -Be 'Undone'
        }
    }

    Context 'killed mid-way' {
        It 'continues where it stopped and ends with the exact tables (<Kind>, killed at <Point>)' -ForEach @(
            @{ Kind = 'Sqlite'; Point = 'undo-target:2' }, @{ Kind = 'PostgreSql'; Point = 'undo-ledger:2' }) {
            $t = New-Target $Kind
            try {
                $state = Join-Path $TestDrive ("ledger-k-" + [Guid]::NewGuid().ToString('N').Substring(0, 6) + '.sqlite')
                $before = Get-TableHashes $Kind $t.Name
                $src = New-Source
                # small batches: several batches of before-images to put back
                $runId = Invoke-Run $t $src $state -BatchSize 2
                $conn = if ($Kind -eq 'Sqlite') { "'$($t.Name)'" } else { "(New-CrmConnection -Provider PostgreSql -Server '$($t.Db.Server)' -Port $($t.Db.Port) -Database '$($t.Name)' -Credential ([pscredential]::new('$($t.Db.Credential.UserName)', (ConvertTo-SecureString '$($t.Db.Credential.GetNetworkCredential().Password)' -AsPlainText -Force))))" }
                $child = Invoke-CrmTestChild -Script "Undo-CrmMigration $conn -RunId '$runId' -StatePath '$state' -Confirm:`$false" -Environment @{ CRMMIGRATION_FAULT = $Point }
                $child.ExitCode | Should -Not -Be 0
                (Get-CrmMigrationRun -StatePath $state | Where-Object Kind -eq 'Undo').Status | Should -Be 'Running'
                (Format-Hashes (Get-TableHashes $Kind $t.Name)) | Should -Not -Be (Format-Hashes $before)
                Undo-CrmMigration $t.Connection -RunId $runId -StatePath $state -Confirm:$false | Out-Null
                (Format-Hashes (Get-TableHashes $Kind $t.Name)) | Should -Be (Format-Hashes $before)
                $undo = @(Get-CrmMigrationRun -StatePath $state | Where-Object Kind -eq 'Undo')
                $undo.Count | Should -Be 1
                $undo[0].Status | Should -Be 'Completed'
                $undo[0].Balanced | Should -BeTrue
                $undo[0].Attempts | Should -Be 2
            }
            finally { if ($t.Db) { Remove-CrmTestDatabase $t.Db } }
        }
    }

    Context 'file targets' {
        It 'refuses a CSV target (written whole by each run)' {
            $dir = Join-Path $TestDrive 'csvtarget'
            $state = Join-Path $TestDrive 'ledger-csv.sqlite'
            $r = @(Export-CrmData (New-Source) -Entity accounts | Import-CrmData $dir -StatePath $state)
            { Undo-CrmMigration $dir -RunId $r[0].RunId -StatePath $state -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'UndoNotSupported,CrmMigration.Commands.UndoCrmMigrationCommand'
        }
    }
}
