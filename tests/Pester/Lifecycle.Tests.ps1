# Stopping and unloading: Ctrl+C (a stopped pipeline) leaves the target, the ledger and the files consistent and
# resumable; Remove-Module then Import-Module works in one session.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force
    Import-CrmTestModule
}

Describe 'Ctrl+C during a long import' {
    BeforeAll {
        $script:Legacy = Join-Path $TestDrive 'legacy.db'
        New-CrmSampleData -Path $script:Legacy -Seed 3 -Scale 40000 -Force | Out-Null
        $script:Total = [int](Invoke-CrmTestSql -Kind Sqlite -Database $script:Legacy -Sql 'select count(*) from contacts')
    }

    It 'stops within seconds, leaves target and ledger in step, and -Resume finishes exactly the source set' {
        $target = Join-Path $TestDrive 'new.db'
        $rejects = Join-Path $TestDrive 'rejects'
        # The import runs in a runspace of its own, as at a prompt; Stop() is what Ctrl+C does to the pipeline.
        $stopped = Stop-CrmTestRunAfterRows -Database $target -Table contacts -Rows 2000 -ArgumentList $script:Legacy, $target, $rejects -ScriptBlock {
            param($Manifest, $Legacy, $Target, $Rejects)
            Import-Module $Manifest
            Export-CrmData $Legacy -Entity contacts | Import-CrmData $Target -Create -BatchSize 200 -RejectPath $Rejects
        }
        $stopped.Completed | Should -BeFalse -Because 'the import must still be running when it is stopped'
        $stopped.State | Should -Be 'Stopped'
        $stopped.StopSeconds | Should -BeLessThan 10

        # Consistent: the ledger recorded exactly what the target holds, and the run is not marked completed.
        $inTarget = [int](Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'select count(*) from contacts')
        $inTarget | Should -BeLessThan $script:Total
        $run = @(Get-CrmMigrationRun $target)[-1]
        $run.Status | Should -Not -Be 'Completed'
        $recorded = @(Get-CrmMigrationRecord $target -RunId $run.RunId -Outcome Inserted).Count
        $recorded | Should -Be $inTarget
        # No -wal left beside a target nobody has open.
        Test-Path "$target-wal" | Should -BeFalse -Because 'the stopped import closed the database'

        # Resumable: the next run finishes what is missing and nothing is doubled.
        $summary = Export-CrmData $script:Legacy -Entity contacts | Import-CrmData $target -Resume -RejectPath $rejects
        $summary.Balanced | Should -BeTrue
        $summary.Read | Should -Be $script:Total
        [int](Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'select count(*) from contacts') | Should -Be ($script:Total - $summary.Rejected)
        [int](Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'select count(*) - count(distinct contact_id) from contacts') | Should -Be 0
    }

    It 'stops Copy-CrmData of a plain CSV file, and -Resume seeks past what the run recorded' {
        # A psql-shaped export named in the plural (contacts.csv keyed by contact_id), copied without a mapping, as a sysadmin types it.
        $folder = Join-Path $TestDrive 'plain-resume'
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add('contact_id,first_name,city,score')
        foreach ($i in 1..300000) { $lines.Add("C$i,Zoë $i,$(if ($i % 7) { 'Paris' } else { '"Lyon, FR"' }),$($i % 1000)") }
        $csv = (New-CrmTestCsv -Path (Join-Path $folder 'contacts.csv') -NewLine "`n" -Line $lines).FullName
        $target = Join-Path $folder 'new.db'
        $stopped = Stop-CrmTestRunAfterRows -Database $target -Table contacts -Rows 5000 -ArgumentList $csv, $target -ScriptBlock {
            param($Manifest, $Csv, $Target)
            Import-Module $Manifest
            Copy-CrmData $Csv $Target -Create -BatchSize 500
        }
        $stopped.Completed | Should -BeFalse -Because 'the copy must still be running when it is stopped'
        $before = [int](Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'select count(*) from contacts')
        $before | Should -BeLessThan 300000

        $summary = Copy-CrmData $csv $target -Resume -Verbose 4>&1 | Tee-Object -Variable out | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        $note = @($out | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match 'resumed after row' })
        $note.Count | Should -Be 1 -Because 'the resumed copy says where it entered the file'
        $note[0].Message | Should -Match 'contacts: resumed after row [\d,]+ \(line [\d,]+, byte [\d,]+\)'
        $summary.Balanced | Should -BeTrue
        $summary.Read | Should -Be 300000
        $summary.Inserted | Should -Be 300000
        # The table made from the file has its key, and holds every row once, values as the file has them.
        & sqlite3 $target "SELECT group_concat(name, ',') FROM pragma_table_info('contacts') WHERE pk > 0" | Should -Be 'contact_id'
        & sqlite3 $target 'SELECT count(*), count(DISTINCT contact_id) FROM contacts' | Should -Be '300000|300000'
        & sqlite3 $target "SELECT first_name || '|' || city || '|' || score FROM contacts WHERE contact_id IN ('C7', 'C299998') ORDER BY 1" | Should -Be @('Zoë 299998|Paris|998', 'Zoë 7|Lyon, FR|7')
    }

    It 'stops Get-CrmSchema while it counts the rows of a large CSV file' {
        $csv = Join-Path $TestDrive 'big.csv'
        # Eight million rows: counting them takes seconds even on a quiet machine, so a Stop() that waited for
        # the count would show.
        $block = ((1..1000 | ForEach-Object { "$_,Name $_,City $($_ % 97)" }) -join "`n") + "`n"
        $writer = [IO.StreamWriter]::new($csv)
        try { $writer.Write("id,name,city`n"); foreach ($i in 1..8000) { $writer.Write($block) } }
        finally { $writer.Dispose() }
        $ps = [powershell]::Create()
        $null = $ps.AddScript({ param($Manifest, $Csv) Import-Module $Manifest; Get-CrmSchema $Csv }).AddArgument((Get-CrmTestManifest)).AddArgument($csv)
        $async = $ps.BeginInvoke()
        Start-Sleep -Milliseconds 300
        $async.IsCompleted | Should -BeFalse -Because 'the count must still be running when it is stopped'
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 1.5
        $ps.Dispose()
    }
}

Describe 'Remove-Module and Import-Module in one session' {
    It 'unhooks the engine resolver on removal and works again after a re-import' {
        $r = Invoke-CrmTestChild -Script @'
$db = Join-Path ([IO.Path]::GetTempPath()) ("crm-reimport-" + [Guid]::NewGuid().ToString('N') + '.db')
New-CrmSampleData -Path $db -Scale 20 -Force | Out-Null
$manifest = (Get-Module CrmMigration).Path
"hooked:" + [CrmMigration.Loading.EngineLoadContext]::IsRegistered
Remove-Module CrmMigration
"after-remove:" + [CrmMigration.Loading.EngineLoadContext]::IsRegistered
"command-gone:" + ($null -eq (Get-Command Export-CrmData -ErrorAction Ignore))
Import-Module $manifest
"after-import:" + [CrmMigration.Loading.EngineLoadContext]::IsRegistered
"contacts:" + @(Export-CrmData $db -Entity contacts).Count
Remove-Item "$db*"
'@
        $r.ExitCode | Should -Be 0 -Because $r.Error
        $r.Output | Should -Contain 'hooked:True'
        $r.Output | Should -Contain 'after-remove:False'
        $r.Output | Should -Contain 'command-gone:True'
        $r.Output | Should -Contain 'after-import:True'
        $r.Output | Should -Contain 'contacts:20'
    }
}
