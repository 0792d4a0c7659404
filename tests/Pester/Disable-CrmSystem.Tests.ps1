BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule
    $script:Stages = 'Freeze', 'Archive', 'Verify', 'Revoke', 'Retain', 'Purge'
}

Describe 'Disable-CrmSystem' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It '-WhatIf prints the whole plan and changes nothing, even with -Force' {
        New-CrmTestDecomSource -Path ./legacy.db
        $db = Join-Path (Get-Location).ProviderPath 'legacy.db'
        $mode = [IO.File]::GetUnixFileMode($db)
        $reports = @(Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -Purge -Force -WhatIf)
        @($reports | ForEach-Object { [string]$_.Stage }) | Should -Be $Stages
        $reports | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmDecommissionReport; [string]$_.Status | Should -Be 'WhatIf' }
        @($reports[0].Actions | Where-Object { $_ -match 'chmod a-w' }).Count | Should -BeGreaterThan 0
        @($reports[5].Actions | Where-Object { $_ -match 'delete it' }).Count | Should -BeGreaterThan 0
        $db | Should -Exist
        [IO.File]::GetUnixFileMode($db) | Should -Be $mode
        './decom.json' | Should -Not -Exist
        './decom.audit.jsonl' | Should -Not -Exist
        './archive' | Should -Not -Exist
    }

    It 'runs to Retain, then refuses to purge during retention; its reports encode what they show' {
        $src = Join-Path (Get-Location).ProviderPath 'le<gacy>.db'
        New-CrmTestDecomSource -Path $src
        $run = @(Disable-CrmSystem -LiteralPath $src -ArchivePath ./archive -StatePath ./decom.json -RetainUntil ([datetime]::UtcNow.AddDays(10)) -Confirm:$false)
        @($run | ForEach-Object { "$($_.Stage):$($_.Status)" }) | Should -Be @('Freeze:Done', 'Archive:Done', 'Verify:Done', 'Revoke:NotApplicable', 'Retain:Done')
        $html = Get-Content -Raw ./decom.report.html
        $html | Should -Match ([regex]::Escape('le&lt;gacy&gt;.db'))
        $html | Should -Not -Match 'le<gacy>'
        (Get-Content -Raw ./decom.report.json | ConvertFrom-Json).stages.Count | Should -Be 5

        $purge = @(Disable-CrmSystem -LiteralPath $src -ArchivePath ./archive -StatePath ./decom.json -Purge -Force -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue)
        @($refused | ForEach-Object FullyQualifiedErrorId) | Should -Contain 'PurgeRefused,CrmMigration.Commands.DisableCrmSystemCommand'
        [string]$purge[-1].Status | Should -Be 'Refused'
        @($purge | Where-Object { [string]$_.Status -eq 'AlreadyDone' }).Count | Should -Be 5
        $src | Should -Exist
        (Test-CrmAuditLog ./decom.audit.jsonl).Valid | Should -BeTrue
        (Test-CrmAuditLog ./decom.audit.jsonl -ExpectedHead (New-Object string 'a', 64)).Valid | Should -BeFalse
    }

    It 'killed in the <Stage> stage, the re-run finishes with nothing doubled, and purges only after Verify' -ForEach @(
        @{ Stage = 'Archive'; Next = 'Verify' }, @{ Stage = 'Verify'; Next = 'Revoke' }
    ) {
        New-CrmSampleData -Path ./legacy.db -Seed 3 -Scale 40000 | Out-Null
        $command = 'Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -RetainUntil 2000-01-01 -Purge -Force -Confirm:$false'
        $state = Join-Path (Get-Location).ProviderPath 'decom.json'
        $child = Start-CrmTestChild -Script "$command | Out-Null"
        $killed = $false
        $clock = [Diagnostics.Stopwatch]::StartNew()
        while (-not $child.Process.HasExited -and $clock.Elapsed.TotalSeconds -lt 120) {
            $text = try { [IO.File]::ReadAllText($state) } catch { '' }
            if ($text.Contains("`"$Stage`"") -and -not $text.Contains("`"$Next`"")) {
                # somewhere inside the stage: let it do some of its work, then SIGKILL
                Start-Sleep -Milliseconds 300
                Stop-CrmTestChild $child
                $killed = $true
                break
            }
            Start-Sleep -Milliseconds 5
        }
        $null = Wait-CrmTestChild $child
        $killed | Should -BeTrue -Because "the child must be killed in the $Stage stage, not finish before"
        $mid = (Get-Content -Raw $state | ConvertFrom-Json).Stages
        $mid.Freeze.Status | Should -Be 'Done'
        $mid.$Stage.Status | Should -Be 'Started'
        './legacy.db' | Should -Exist -Because 'nothing may be purged before the archive is verified'

        $rerun = @(Invoke-Expression $command)
        $killedAt = [array]::IndexOf($Stages, $Stage)
        $expected = for ($i = 0; $i -lt $Stages.Count; $i++) {
            $s = $Stages[$i]
            "${s}:" + $(if ($i -lt $killedAt) { 'AlreadyDone' } elseif ($s -eq 'Revoke') { 'NotApplicable' } else { 'Done' })
        }
        @($rerun | ForEach-Object { "$($_.Stage):$($_.Status)" }) | Should -Be $expected
        './legacy.db' | Should -Not -Exist
        @(Get-ChildItem -Directory -Force -Filter '.archive.partial-*') | Should -BeNullOrEmpty
        Test-CrmArchive ./archive -Restore -Quiet | Should -BeTrue
        (Test-CrmAuditLog ./decom.audit.jsonl).Valid | Should -BeTrue
        $events = @(Get-Content ./decom.audit.jsonl | ConvertFrom-Json | ForEach-Object { $_.event.Replace('Decommission.', '') + ':' + $_.result })
        foreach ($s in 'Freeze', 'Archive', 'Verify', 'Retain', 'Purge') { @($events | Where-Object { $_ -eq "${s}:Done" }).Count | Should -Be 1 }
        @($events | Where-Object { $_ -eq "${Stage}:Started" }).Count | Should -Be 2      # the killed attempt and the redo
        @($events | Where-Object { $_ -eq 'Freeze:Started' }).Count | Should -Be 1
        [array]::IndexOf($events, 'Verify:Done') | Should -BeLessThan ([array]::IndexOf($events, 'Purge:Started'))
        $st = Get-Content -Raw $state | ConvertFrom-Json
        $st.Stages.$Stage.Attempts | Should -Be 2
        $st.Stages.Freeze.Attempts | Should -Be 1
        $st.ArchiveVerified | Should -BeTrue
    }

    It 'decommissions a PostgreSQL database: its application role loses its login, the tables are purged, nothing shows a password' {
        $db = New-CrmTestDatabase -Kind PostgreSql
        $role = 'crm_happ_' + [Guid]::NewGuid().ToString('N').Substring(0, 10)
        $rolePassword = 'R-' + [Guid]::NewGuid().ToString('N')
        Invoke-CrmTestSql -Kind PostgreSql -Database postgres -Sql "CREATE ROLE `"$role`" LOGIN PASSWORD '$rolePassword'" | Out-Null
        try {
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql @"
CREATE TABLE contacts (id int PRIMARY KEY, name text); INSERT INTO contacts VALUES (1, 'Ada'), (2, 'Grace');
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "$role";
"@ | Out-Null
            $pg = $db.Connection
            $plan = @(Disable-CrmSystem $pg -ArchivePath ./archive -StatePath ./decom.json -ApplicationRole $role -Purge -Force -WhatIf)
            [string]$plan[0].Status | Should -Be 'WhatIf'
            $plan[0].Actions | Should -Contain "ALTER ROLE `"$role`" NOLOGIN"
            $plan[0].Actions | Should -Contain "ALTER DATABASE `"$($db.Name)`" SET default_transaction_read_only = on"
            Invoke-CrmTestSql -Kind PostgreSql -Database postgres -Sql "SELECT rolcanlogin FROM pg_roles WHERE rolname = '$role'" | Should -Be 't'
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql 'SELECT count(*) FROM contacts' | Should -Be '2'
            './decom.json' | Should -Not -Exist

            $reports = @(Disable-CrmSystem $pg -ArchivePath ./archive -StatePath ./decom.json -ApplicationRole $role -RetainUntil ([datetime]::UtcNow.Date.AddDays(-1)) -Purge -Force -Confirm:$false)
            $reports.Count | Should -Be 6
            $reports | ForEach-Object { [string]$_.Status | Should -Be 'Done' -Because "$($_.Stage) must be done" }
            Invoke-CrmTestSql -Kind PostgreSql -Database postgres -Sql "SELECT rolcanlogin FROM pg_roles WHERE rolname = '$role'" | Should -Be 'f'
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'" | Should -Be '0'
            './decom.sanitization.json' | Should -Exist
            Get-Content -Raw ./decom.sanitization.json | Should -Match 'DROP TABLE'
            $adminPassword = $db.Credential.GetNetworkCredential().Password
            foreach ($f in Get-ChildItem -Recurse -File) {
                $text = [IO.File]::ReadAllText($f.FullName)
                $text.Contains($adminPassword) | Should -BeFalse -Because "$($f.Name) must not hold the administrator's password"
                $text.Contains($rolePassword) | Should -BeFalse -Because "$($f.Name) must not hold the role's password"
            }
        }
        finally {
            Remove-CrmTestDatabase $db
            Invoke-CrmTestSql -Kind PostgreSql -Database postgres -Sql "DROP ROLE IF EXISTS `"$role`"" | Out-Null
        }
    }
}
