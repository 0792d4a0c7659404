BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Disable-CrmSystem' {

    Context 'WhatIf and confirmation decide through ShouldProcess (SQLite)' {
        BeforeEach {
            $script:dir = Join-Path $TestDrive ([Guid]::NewGuid().ToString('N'))
            New-Item -ItemType Directory $dir | Out-Null
            $script:db = Join-Path $dir 'legacy.db'
            Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql "CREATE TABLE contacts (id integer PRIMARY KEY, name text, deleted integer); INSERT INTO contacts VALUES (1, 'Ada', 0), (2, 'Grace', 1);" | Out-Null
            $script:common = @{ Path = $db; ArchivePath = (Join-Path $dir 'archive'); StatePath = (Join-Path $dir 'decom.json') }
        }

        It 'describes every stage with -WhatIf and creates no state file, archive or audit log' {
            $r = @(Disable-CrmSystem @common -WhatIf)
            $r.Stage | Should -Be @('Notify', 'Freeze', 'Archive', 'Verify', 'Revoke', 'Retain')
            $r.Status | Sort-Object -Unique | Should -Be 'WhatIf'
            ($r | Where-Object Stage -eq Archive).Actions -join ' ' | Should -Match 'data/schema/sqlite.sql'
            Test-Path (Join-Path $dir 'decom.json') | Should -BeFalse
            Test-Path (Join-Path $dir 'archive') | Should -BeFalse
            Test-Path (Join-Path $dir 'decom.audit.jsonl') | Should -BeFalse
            Get-ChildItem $dir | Select-Object -ExpandProperty Name | Should -Be 'legacy.db'
        }

        It 'does the same under $WhatIfPreference = $true' {
            $WhatIfPreference = $true
            try { $r = @(Disable-CrmSystem @common) } finally { $WhatIfPreference = $false }
            $r.Stage | Should -Be @('Notify', 'Freeze', 'Archive', 'Verify', 'Revoke', 'Retain')
            $r.Status | Sort-Object -Unique | Should -Be 'WhatIf'
            Get-ChildItem $dir | Select-Object -ExpandProperty Name | Should -Be 'legacy.db'
        }

        It 'does the same when -WhatIf comes from a calling advanced function' {
            function Invoke-Decommission {
                [CmdletBinding(SupportsShouldProcess)]
                param($Arguments)
                Disable-CrmSystem @Arguments
            }
            $r = @(Invoke-Decommission -Arguments $common -WhatIf)
            $r.Stage | Should -Be @('Notify', 'Freeze', 'Archive', 'Verify', 'Revoke', 'Retain')
            $r.Status | Sort-Object -Unique | Should -Be 'WhatIf'
            Get-ChildItem $dir | Select-Object -ExpandProperty Name | Should -Be 'legacy.db'
        }

        It 'runs every stage with -Confirm:$false -Force, and purges only with -Purge' {
            $r = @(Disable-CrmSystem @common -RetainUntil 2020-01-01 -Confirm:$false -Force)
            $r.Stage | Should -Be @('Notify', 'Freeze', 'Archive', 'Verify', 'Revoke', 'Retain')
            $r.Status | Should -Be @('NotApplicable', 'Done', 'Done', 'Done', 'NotApplicable', 'Done')
            Test-Path (Join-Path $dir 'archive/data/schema/sqlite.sql') | Should -BeTrue
            ($r | Where-Object Stage -eq Archive).Inventory | Where-Object Name -eq contacts | Select-Object -ExpandProperty Status | Should -Be 'Archived'
            Test-CrmAuditLog (Join-Path $dir 'decom.audit.jsonl') | Select-Object -ExpandProperty Valid | Should -BeTrue

            $p = @(Disable-CrmSystem @common -Purge -Confirm:$false -Force)
            ($p | Where-Object Stage -eq Purge).Status | Should -Be 'Done'
            Test-Path $db | Should -BeFalse
            $cert = Get-Content -Raw (Join-Path $dir 'decom.sanitization.json') | ConvertFrom-Json
            $cert."Deleted: $db" | Should -Match '^sha256=[0-9a-f]{64} bytes=\d+$'
            $cert.'Destroyed table: contacts' | Should -Match '^archived: 2 records, content hash [0-9a-f]{64}$'
        }
    }

    Context '-ReportPath: the decommission report at the end of the run (SQLite)' {
        BeforeAll {
            $script:rdir = Join-Path $TestDrive 'report'
            New-Item -ItemType Directory $rdir | Out-Null
            $script:rdb = Join-Path $rdir 'legacy.db'
            Invoke-CrmTestSql -Kind Sqlite -Database $rdb -Sql "CREATE TABLE contacts (id integer PRIMARY KEY, name text); INSERT INTO contacts VALUES (1, 'Ada'), (2, '客户'); CREATE TABLE sessions (id integer PRIMARY KEY, token text);" | Out-Null
            $script:rcommon = @{ Path = $rdb; ArchivePath = (Join-Path $rdir 'archive'); StatePath = (Join-Path $rdir 'decom.json'); RetainUntil = '2033-12-31' }
            $script:reports = (Join-Path $rdir 'decom.html'), (Join-Path $rdir 'decom.xlsx'), (Join-Path $rdir 'decom.json.report.json')
        }

        It 'writes nothing under -WhatIf' {
            Disable-CrmSystem @rcommon -ReportPath $reports -WhatIf | Out-Null
            $reports | ForEach-Object { Test-Path $_ } | Should -Be @($false, $false, $false)
        }

        It 'shows every stage, the inventory with the excluded table, the archive and the audit head' {
            Disable-CrmSystem @rcommon -Exclude sessions -ExcludeReason 'transient logins' -Confirm:$false -Force -ReportPath $reports | Out-Null
            $head = (Test-CrmAuditLog (Join-Path $rdir 'decom.audit.jsonl')).HeadHash
            $j = Get-Content -Raw $reports[2] | ConvertFrom-Json
            $j.kind | Should -Be 'Decommission'
            $j.verdict | Should -Be 'Passed'
            $j.auditLog.headHash | Should -Be $head
            $j.auditLog.valid | Should -BeTrue
            ($j.decommission.stages | Where-Object stage -eq 'Archive').status | Should -Be 'Done'
            ($j.decommission.stages | Where-Object stage -eq 'Purge').status | Should -Be 'NotRun'
            ($j.decommission.inventory | Where-Object name -eq 'contacts').status | Should -Be 'Archived'
            ($j.decommission.inventory | Where-Object name -eq 'contacts').records | Should -Be 2
            ($j.decommission.inventory | Where-Object name -eq 'sessions').status | Should -Be 'Excluded'
            $j.decommission.tagManifestSha512 | Should -Match '^[0-9a-f]{128}$'
            $page = Invoke-CrmTestBrowser -Path $reports[0] -Screenshot (Join-Path $TestDrive 'decom.png')
            $page.Text | Should -Match 'Decommission report'
            $page.Text | Should -Match $head
            $page.Text | Should -Match 'sessions Excluded'
            $inventory = @(Get-CrmTestExcelRows -Path $reports[1] -Sheet 'Inventory')
            $inventory[0] | Should -Be @('Kind', 'Name', 'Status', 'Records', 'Content hash', 'Details')
            ($inventory | Where-Object { $_[1] -eq 'contacts' })[3] | Should -Be 2.0
        }
    }

    Context 'SuiteCRM on MariaDB: the whole schema, revoke and undo, purge only what the archive holds' {
        BeforeAll {
            $script:db = New-CrmTestDatabase -Kind MySql -Profile SuiteCRM
            $fixtures = Join-Path (Get-CrmTestRepoRoot) 'tests/Fixtures/SuiteCRM'
            Invoke-CrmTestSql -Kind MySql -Database $db -Sql ((Get-Content -Raw "$fixtures/schema.sql") + "`n" + (Get-Content -Raw "$fixtures/data.sql")) | Out-Null
            $script:tables = @(Invoke-CrmTestSql -Kind MySql -Database '' -Sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$($db.Name)' ORDER BY 1")
            $script:app = 'crm_app_' + [Guid]::NewGuid().ToString('N').Substring(0, 10)
            # The application account as many installs have it: every privilege on every database.
            Invoke-CrmTestSql -Kind MySql -Database '' -Sql "CREATE USER '$app'@'%' IDENTIFIED BY 'App-Pw-1'; GRANT ALL ON *.* TO '$app'@'%';" | Out-Null
            $script:work = Join-Path $TestDrive 'suitecrm'
            New-Item -ItemType Directory $work | Out-Null
            $script:maildir = Join-Path $work 'mail'
            $sink = (& bash (Join-Path (Get-CrmTestRepoRoot) 'scripts/smtpsink.sh') start $maildir) -split ' '
            $script:smtpPort = [int]$sink[0]; $script:smtpPid = $sink[1]
            $script:uploads = Join-Path $work 'upload'
            New-Item -ItemType Directory (Join-Path $uploads 'upgrades') | Out-Null
            Set-Content -LiteralPath (Join-Path $uploads 'note-1') -Value 'minutes of the kick-off' -NoNewline
            [IO.File]::WriteAllBytes((Join-Path $uploads 'rev-1'), [byte[]](0x25, 0x50, 0x44, 0x46, 0x00, 0xff))
            $script:common = @{ Connection = $db.Connection; ArchivePath = (Join-Path $work 'archive'); StatePath = (Join-Path $work 'decom.json'); ApplicationRole = $app }
            $script:stateSql = "SELECT id, status FROM users ORDER BY id; SELECT id, status FROM schedulers ORDER BY id; SELECT id, status, resolution FROM job_queue ORDER BY id;" +
                " SELECT id, token_is_revoked, deleted FROM oauth2tokens ORDER BY id; SELECT id, deleted FROM oauth2clients ORDER BY id; SELECT id, deleted FROM oauth_consumer ORDER BY id;" +
                " SELECT id, deleted FROM oauth_tokens ORDER BY id; SELECT id, status FROM inbound_email ORDER BY id; SELECT id, status FROM aow_workflow ORDER BY id;"
            $script:before = Invoke-CrmTestSql -Kind MySql -Database $db -Sql $stateSql
        }
        AfterAll {
            if ($smtpPid) { & bash (Join-Path (Get-CrmTestRepoRoot) 'scripts/smtpsink.sh') stop $smtpPid }
            Invoke-CrmTestSql -Kind MySql -Database '' -Sql "DROP USER IF EXISTS '$app'@'%'" | Out-Null
            $db | Remove-CrmTestDatabase
        }

        It 'announces the shutdown to the active users through SMTP and records it' {
            $r = Disable-CrmSystem @common -Stage Notify -SmtpServer 127.0.0.1 -SmtpPort $smtpPort -From 'it@acme.example' -ShutdownDate 2026-12-31 -Contact 'it@acme.example' -Confirm:$false -Force
            $r.Status | Should -Be 'Done'
            $r.Evidence['notify.recipients'] | Should -Be '2'
            $mails = @(Get-ChildItem (Join-Path $maildir 'new') -File | ForEach-Object { Get-Content -Raw $_.FullName })
            $mails.Count | Should -Be 2
            ($mails -join "`n") | Should -Match 'To: Sally Admin <admin@crm.example>'
            ($mails -join "`n") | Should -Match 'To: Sam Seller <sam@crm.example>'
            ($mails -join "`n") | Should -Not -Match 'olga@crm.example'
            $mails[0] | Should -Match '2026-12-31'
            Import-Csv (Join-Path $work 'decom.notify/recipients.csv') | Select-Object -ExpandProperty Status | Should -Be @('Sent', 'Sent')
            Get-Content (Join-Path $work 'decom.audit.jsonl') | Should -Match 'Decommission.Notify'
        }

        It 'reports the global grant in Freeze and refuses later stages until -Force acknowledges it' {
            { Disable-CrmSystem @common -Stage Archive -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'FreezeFindingUnacknowledged,CrmMigration.Commands.DisableCrmSystemCommand'
            $state = Get-Content -Raw (Join-Path $work 'decom.json') | ConvertFrom-Json
            ($state.Findings -join ' ') | Should -Match "$app@%.*ON \*\.\*"
            $state.Stages.Freeze.Notes | Should -Match 'FINDINGS'
            $state.Stages.Freeze.Notes | Should -Not -Match 'No application role'
            (Invoke-CrmTestSql -Kind MySql -Database '' -Sql "SHOW CREATE USER '$app'@'%'") -join ' ' | Should -Match 'ACCOUNT LOCK'
            Test-Path (Join-Path $work 'archive') | Should -BeFalse
        }

        It 'archives every table raw with the schema and attachments, and Test-CrmArchive -Restore compares all of them' {
            $r = @(Disable-CrmSystem @common -Stage Verify -AttachmentPath $uploads -Confirm:$false -Force)
            ($r | Where-Object Stage -eq Verify).Status | Should -Be 'Done'
            $inventory = ($r | Where-Object Stage -eq Archive).Inventory
            $archivedTables = @($inventory | Where-Object { $_.Kind -eq 'Table' -and $_.Status -eq 'Archived' } | Select-Object -ExpandProperty Name)
            $archivedTables | Sort-Object | Should -Be ($tables | Sort-Object)
            ($inventory | Where-Object Name -eq 'users').Records | Should -Be 4          # soft-deleted rows included
            ($inventory | Where-Object Name -eq 'accounts_audit').Records | Should -Be 2
            Test-Path (Join-Path $work 'archive/data/schema/mysql.sql') | Should -BeTrue
            Get-Content -Raw (Join-Path $work 'archive/data/schema/mysql.sql') | Should -Match 'CREATE TABLE `email_addresses`'
            [IO.File]::ReadAllBytes((Join-Path $work 'archive/data/attachments/rev-1')) | Should -Be ([byte[]](0x25, 0x50, 0x44, 0x46, 0x00, 0xff))
            Get-Content -Raw (Join-Path $work 'archive/manifest-sha256.txt') | Should -Match 'data/attachments/note-1'
            # credentials are not kept
            Get-Content -Raw (Join-Path $work 'archive/data/tables/users.csv') | Should -Not -Match 'Kz0adminhash'
            Get-Content -Raw (Join-Path $work 'archive/data/tables/inbound_email.csv') | Should -Not -Match 'bm90IGEgcmVhbCBwYXNzd29yZA'

            $checks = @(Test-CrmArchive (Join-Path $work 'archive') -Restore)
            @($checks | Where-Object Status -eq 'Fail') | Should -BeNullOrEmpty
            $restored = @($checks | Where-Object { $_.Check -eq 'RestoreContentHash' -and $_.Subject -like 'table:*' -and $_.Status -eq 'Pass' } | ForEach-Object { $_.Subject.Substring(6) } | Sort-Object)
            $restored | Should -Be ($tables | Sort-Object)
        }

        It 'Revoke records every previous value and -Undo restores every user, job and integration exactly' {
            $r = @(Disable-CrmSystem @common -Stage Revoke -Confirm:$false -Force)
            ($r | Where-Object Stage -eq Revoke).Status | Should -Be 'Done'
            $after = Invoke-CrmTestSql -Kind MySql -Database $db -Sql $stateSql
            $after | Should -Not -Be $before
            $after | Should -Contain "1`tActive"                 # the administrator is kept (-Administrator Keep)
            $after | Should -Contain "seed_sam_id`tInactive"
            $after | Should -Contain "seed_gone_id`tActive"      # a deleted user is left as it was
            $after | Should -Contain "job-1`tdone`tfailure"
            $after | Should -Contain "tok-1`t1`t0"
            $after | Should -Contain "ie-1`tInactive"
            (Get-Content -Raw (Join-Path $work 'decom.json') | ConvertFrom-Json).Revoked.Count | Should -BeGreaterThan 5

            $u = Disable-CrmSystem @common -Stage Revoke -Undo -Confirm:$false
            $u.Status | Should -Be 'Undone'
            Invoke-CrmTestSql -Kind MySql -Database $db -Sql $stateSql | Should -Be $before
            (Invoke-CrmTestSql -Kind MySql -Database '' -Sql "SHOW CREATE USER '$app'@'%'") -join ' ' | Should -Match 'ACCOUNT LOCK'   # Freeze still holds

            # the next run revokes again
            $again = @(Disable-CrmSystem @common -Stage Retain -RetainUntil 2020-01-01 -Confirm:$false -Force)
            ($again | Where-Object Stage -eq Revoke).Status | Should -Be 'Done'
            Invoke-CrmTestSql -Kind MySql -Database $db -Sql $stateSql | Should -Be $after
        }

        It 'Purge refuses while one table is not archived, and after a new archive destroys every table with a certificate' {
            Invoke-CrmTestSql -Kind MySql -Database $db -Sql "CREATE TABLE late_import (id int PRIMARY KEY, note varchar(20)); INSERT INTO late_import VALUES (1, 'after the archive');" | Out-Null
            $err = $null
            $p = @(Disable-CrmSystem @common -Purge -Confirm:$false -Force -ErrorVariable err -ErrorAction SilentlyContinue)
            $err | Get-CrmTestErrorId | Should -Be 'PurgeObjectNotArchived'
            ($p | Select-Object -Last 1).Status | Should -Be 'Refused'
            $err[0].Exception.Message | Should -Match 'late_import'
            @(Invoke-CrmTestSql -Kind MySql -Database '' -Sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$($db.Name)'").Count | Should -Be ($tables.Count + 1)

            $second = @{} + $common
            $second.ArchivePath = Join-Path $work 'archive2'
            $p = @(Disable-CrmSystem @second -RestartArchive -Purge -Confirm:$false -Force)
            ($p | Where-Object Stage -eq Archive).Status | Should -Be 'Done'
            ($p | Where-Object Stage -eq Purge).Status | Should -Be 'Done'
            @(Invoke-CrmTestSql -Kind MySql -Database '' -Sql "SELECT table_name FROM information_schema.tables WHERE table_schema = '$($db.Name)'").Count | Should -Be 0
            $destroyed = @(($p | Where-Object Stage -eq Purge).Inventory | Where-Object { $_.Kind -eq 'Table' -and $_.Status -eq 'Destroyed' })
            $destroyed.Count | Should -Be ($tables.Count + 1)
            $cert = Get-Content -Raw (Join-Path $work 'decom.sanitization.json') | ConvertFrom-Json
            foreach ($t in $tables + 'late_import') {
                $cert."Deleted: $($db.Name).$t" | Should -Match '^table, \d+ rows; archived: \d+ records, content hash [0-9a-f]{64}$'
            }
            $cert."Deleted: $($db.Name).late_import" | Should -Match '^table, 1 rows; archived: 1 records'
            (Get-Content -Raw (Join-Path $work 'decom.json') | ConvertFrom-Json).PreviousArchives | Should -Be (Join-Path $work 'archive')
            Test-CrmAuditLog (Join-Path $work 'decom.audit.jsonl') | Select-Object -ExpandProperty Valid | Should -BeTrue
            $report = Get-Content -Raw (Join-Path $work 'decom.report.json') | ConvertFrom-Json
            @($report.inventory | Where-Object status -eq 'Destroyed').Count | Should -Be ($tables.Count + 1)
        }
    }

    Context 'Odoo on PostgreSQL: the whole schema, revoke and undo, purge only what the archive holds' {
        BeforeAll {
            $script:db = New-CrmTestDatabase -Kind PostgreSql -Profile Odoo
            $fixtures = Join-Path (Get-CrmTestRepoRoot) 'tests/Fixtures/Odoo'
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql ((Get-Content -Raw "$fixtures/schema.sql") + "`n" + (Get-Content -Raw "$fixtures/data.sql")) | Out-Null
            $script:tables = @(Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")
            $script:work = Join-Path $TestDrive 'odoo'
            New-Item -ItemType Directory (Join-Path $work 'filestore/ab') -Force | Out-Null
            Set-Content -LiteralPath (Join-Path $work 'filestore/ab/ab3f0c9e8d1a2b3c4d5e6f708192a3b4c5d6e7f8') -Value 'proposal' -NoNewline
            $script:common = @{ Connection = $db.Connection; ArchivePath = (Join-Path $work 'archive'); StatePath = (Join-Path $work 'decom.json') }
            $script:stateSql = "SELECT id, active FROM res_users ORDER BY id; SELECT id, active FROM ir_cron ORDER BY id; SELECT id, active FROM fetchmail_server ORDER BY id;" +
                " SELECT id, active FROM ir_mail_server ORDER BY id; SELECT id, COALESCE(expiration_date::text, 'NULL') FROM res_users_apikeys ORDER BY id;" +
                " SELECT id, enabled FROM auth_oauth_provider ORDER BY id; SELECT id, active FROM base_automation ORDER BY id;"
            $script:before = Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql $stateSql
        }
        AfterAll { $db | Remove-CrmTestDatabase }

        It 'archives every table (binary columns included) with its DDL, excludes only by a recorded rule, and restores all of them' {
            $r = @(Disable-CrmSystem @common -Stage Verify -AttachmentPath (Join-Path $work 'filestore') -Exclude 'mail_followers' -ExcludeReason 'followers are rebuilt by the new system' -Confirm:$false -Force)
            ($r | Where-Object Stage -eq Verify).Status | Should -Be 'Done'
            $inventory = ($r | Where-Object Stage -eq Archive).Inventory
            ($inventory | Where-Object Name -eq 'mail_followers').Status | Should -Be 'Excluded'
            ($inventory | Where-Object Name -eq 'mail_followers').Detail | Should -Match 'followers are rebuilt by the new system'
            @($inventory | Where-Object { $_.Kind -eq 'Table' -and $_.Status -eq 'Archived' }).Count | Should -Be ($tables.Count - 1)
            ($inventory | Where-Object Name -eq 'crm_activity_report').Kind | Should -Be 'View'
            Get-Content -Raw (Join-Path $work 'archive/data/schema/postgresql.sql') | Should -Match 'CREATE VIEW "public"."crm_activity_report"'
            $manifest = Get-Content -Raw (Join-Path $work 'archive/crm-manifest.json') | ConvertFrom-Json
            $manifest.exclusions[0].reason | Should -Be 'followers are rebuilt by the new system'
            ($manifest.entities | Where-Object entity -eq 'table:res_users').redacted | Should -Contain 'password'
            Get-Content -Raw (Join-Path $work 'archive/data/tables/ir_mail_server.csv') | Should -Not -Match 'not-a-real-password'

            $checks = @(Test-CrmArchive (Join-Path $work 'archive') -Restore)
            @($checks | Where-Object Status -eq 'Fail') | Should -BeNullOrEmpty
            @($checks | Where-Object { $_.Check -eq 'RestoreContentHash' -and $_.Subject -like 'table:*' -and $_.Status -eq 'Pass' }).Count | Should -Be ($tables.Count - 1)
            ($checks | Where-Object { $_.Check -eq 'RestoreContentHash' -and $_.Subject -eq 'table:ir_attachment' }).Status | Should -Be 'Pass'
        }

        It 'Revoke keeps the administrator, stops cron, mail, API keys, OAuth and webhooks, and -Undo restores them exactly' {
            $r = @(Disable-CrmSystem @common -Stage Revoke -Confirm:$false -Force)
            ($r | Where-Object Stage -eq Revoke).Status | Should -Be 'Done'
            $after = Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql $stateSql
            $after | Should -Contain "2`tt"
            $after | Should -Contain "6`tf"
            @($after | Where-Object { $_ -match "`tt$" }).Count | Should -Be 1
            $after | Should -Not -Contain "1`tNULL"
            Disable-CrmSystem @common -Stage Revoke -Undo -Confirm:$false | Select-Object -ExpandProperty Status | Should -Be 'Undone'
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql $stateSql | Should -Be $before
        }

        It 'Purge refuses while one table is not archived, and after a new archive destroys every table' {
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SET default_transaction_read_only = off; CREATE TABLE late_import (id int PRIMARY KEY); INSERT INTO late_import VALUES (1);" | Out-Null
            $err = $null
            Disable-CrmSystem @common -RetainUntil 2020-01-01 -Purge -Confirm:$false -Force -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            $err | Get-CrmTestErrorId | Should -Be 'PurgeObjectNotArchived'
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SELECT count(*) FROM res_partner" | Should -Be '9'

            $second = @{} + $common
            $second.ArchivePath = Join-Path $work 'archive2'
            $p = @(Disable-CrmSystem @second -RestartArchive -Exclude 'mail_followers' -ExcludeReason 'followers are rebuilt by the new system' -Purge -Confirm:$false -Force)
            ($p | Where-Object Stage -eq Purge).Status | Should -Be 'Done'
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'" | Should -Be '0'
            $cert = Get-Content -Raw (Join-Path $work 'decom.sanitization.json') | ConvertFrom-Json
            $cert.'Deleted: public.res_partner' | Should -Match '^table, 9 rows; archived: 9 records, content hash [0-9a-f]{64}$'
            $cert.'Deleted: public.late_import' | Should -Match 'archived: 1 records'
            $cert.'Deleted: public.mail_followers' | Should -Match 'destroyed without an archive copy, excluded by rule'
        }
    }
}

Describe 'Disable-CrmSystem: the plan, retention, kills mid-stage, PostgreSQL' {
    BeforeAll { $script:Stages = 'Notify', 'Freeze', 'Archive', 'Verify', 'Revoke', 'Retain', 'Purge' }
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It '-WhatIf prints the whole plan and changes nothing, even with -Force' {
        New-CrmTestDecomSource -Path ./legacy.db
        $db = Join-Path (Get-Location).ProviderPath 'legacy.db'
        $mode = [IO.File]::GetUnixFileMode($db)
        $reports = @(Disable-CrmSystem ./legacy.db -ArchivePath ./archive -StatePath ./decom.json -Purge -Force -WhatIf)
        @($reports | ForEach-Object { [string]$_.Stage }) | Should -Be $Stages
        $reports | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmDecommissionReport; [string]$_.Status | Should -Be 'WhatIf' }
        @(($reports | Where-Object Stage -eq 'Freeze').Actions | Where-Object { $_ -match 'chmod a-w' }).Count | Should -BeGreaterThan 0
        @(($reports | Where-Object Stage -eq 'Purge').Actions | Where-Object { $_ -match 'delete it' }).Count | Should -BeGreaterThan 0
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
        @($run | ForEach-Object { "$($_.Stage):$($_.Status)" }) | Should -Be @('Notify:NotApplicable', 'Freeze:Done', 'Archive:Done', 'Verify:Done', 'Revoke:NotApplicable', 'Retain:Done')
        $html = Get-Content -Raw ./decom.report.html
        $html | Should -Match ([regex]::Escape('le&lt;gacy&gt;.db'))
        $html | Should -Not -Match 'le<gacy>'
        (Get-Content -Raw ./decom.report.json | ConvertFrom-Json).stages.Count | Should -Be 6

        $purge = @(Disable-CrmSystem -LiteralPath $src -ArchivePath ./archive -StatePath ./decom.json -Purge -Force -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue)
        @($refused | ForEach-Object FullyQualifiedErrorId) | Should -Contain 'PurgeRefused,CrmMigration.Commands.DisableCrmSystemCommand'
        [string]$purge[-1].Status | Should -Be 'Refused'
        @($purge | Where-Object { [string]$_.Status -eq 'AlreadyDone' }).Count | Should -Be 6
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
            $freeze = $plan | Where-Object Stage -eq 'Freeze'
            [string]$freeze.Status | Should -Be 'WhatIf'
            $freeze.Actions | Should -Contain "ALTER ROLE `"$role`" NOLOGIN"
            $freeze.Actions | Should -Contain "ALTER DATABASE `"$($db.Name)`" SET default_transaction_read_only = on"
            Invoke-CrmTestSql -Kind PostgreSql -Database postgres -Sql "SELECT rolcanlogin FROM pg_roles WHERE rolname = '$role'" | Should -Be 't'
            Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql 'SELECT count(*) FROM contacts' | Should -Be '2'
            './decom.json' | Should -Not -Exist

            $reports = @(Disable-CrmSystem $pg -ArchivePath ./archive -StatePath ./decom.json -ApplicationRole $role -RetainUntil ([datetime]::UtcNow.Date.AddDays(-1)) -Purge -Force -Confirm:$false)
            $reports.Count | Should -Be 7
            [string]$reports[0].Status | Should -Be 'NotApplicable'     # Notify: no profile, nobody to tell
            $reports | Select-Object -Skip 1 | ForEach-Object { [string]$_.Status | Should -Be 'Done' -Because "$($_.Stage) must be done" }
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
