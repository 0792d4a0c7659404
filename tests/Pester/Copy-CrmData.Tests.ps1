# Copy-CrmData: the three-cmdlet migration in one command, checked against the pipeline, the ledger and real servers.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule
    # Ledgers of server targets go to the user's state folder: the tests' own, not the machine user's.
    $env:CRMMIGRATION_STATE_HOME = Join-Path $TestDrive 'state'

    # A source schema as a DBA writes it, in PostgreSQL (psql, not our writer): lengths, precision, small integers,
    # float4, NOT NULL, a unique key, a self-reference, a composite key and a composite foreign key, an empty table,
    # comments on tables and columns (one in Chinese), a timestamp precision, an enum, a json document.
    $script:SourceDdl = @'
CREATE TYPE stage AS ENUM ('lead', 'won', 'lost');
CREATE TABLE account (
  id integer PRIMARY KEY,
  name varchar(80) NOT NULL UNIQUE,
  credit numeric(12,2),
  employees smallint,
  rating real NOT NULL,
  parent_id integer REFERENCES account (id),
  created timestamp(3) NOT NULL,
  stage stage,
  doc json
);
COMMENT ON TABLE account IS 'Customer companies 客户';
COMMENT ON COLUMN account.name IS 'Legal name';
CREATE TABLE contact (
  account_id integer NOT NULL REFERENCES account (id) ON DELETE CASCADE,
  seq smallint NOT NULL,
  email varchar(120),
  PRIMARY KEY (account_id, seq)
);
COMMENT ON COLUMN contact.email IS 'Work e-mail';
CREATE TABLE contact_note (
  id bigint PRIMARY KEY,
  account_id integer NOT NULL,
  seq smallint NOT NULL,
  body text NOT NULL,
  FOREIGN KEY (account_id, seq) REFERENCES contact (account_id, seq)
);
CREATE TABLE archived_thing (id integer PRIMARY KEY, label varchar(10));
INSERT INTO account VALUES (1, 'Acme', 30288.00, 12, 9.8, NULL, '2024-01-02 03:04:05.123', 'won', '{"a": 1}'),
  (2, 'Beta', 999.50, 3, 1.1, 1, '2024-02-02 00:00:00', 'lead', NULL), (3, 'Gamma', -0.01, NULL, 0.5, 2, '2023-12-31 23:59:59.999', NULL, '[1, 2]');
INSERT INTO contact VALUES (1, 1, 'a@acme.example'), (1, 2, 'b@acme.example'), (2, 1, NULL);
INSERT INTO contact_note VALUES (10, 1, 1, 'first'), (11, 1, 2, 'second');
'@

    function Get-PgColumns($db) {
        # name|type|nullable|comment per column, from PostgreSQL's own catalog, with psql.
        Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql @"
SELECT c.relname || '.' || a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, COALESCE(col_description(c.oid, a.attnum), '')
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1
"@
    }
    function Get-PgConstraints($db) {
        Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SELECT conrelid::regclass::text, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype IN ('p','u','f') ORDER BY 1, 2, 3"
    }
}

Describe 'Copy-CrmData: the source schema travels' {
    BeforeAll {
        $script:Src = New-CrmTestDatabase -Kind PostgreSql
        Invoke-CrmTestSql -Kind PostgreSql -Database $script:Src -Sql $script:SourceDdl | Out-Null
        $script:My = New-CrmTestDatabase -Kind MySql
        $script:Back = New-CrmTestDatabase -Kind PostgreSql
        $script:Lite = Join-Path $TestDrive 'hop.db'
    }
    AfterAll {
        $script:Src, $script:My, $script:Back | Remove-CrmTestDatabase
    }

    It 'copies PostgreSQL into SQLite with every property, the empty table included, and the file whole' {
        $summaries = Copy-CrmData $script:Src.Connection $script:Lite -Create
        ($summaries | Measure-Object Read -Sum).Sum | Should -Be 8
        $ddl = (Invoke-CrmTestSql -Kind Sqlite -Database $script:Lite -Sql "SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'table' ORDER BY name") -join "`n"
        $ddl | Should -Match 'archived_thing'
        $cols = Invoke-CrmTestSql -Kind Sqlite -Database $script:Lite -Sql "SELECT m.name || '.' || p.name, p.type, p.""notnull"", p.pk FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY 1"
        $cols | Should -Contain "account.name`tVARCHAR(80)`t1`t0"
        $cols | Should -Contain "account.credit`tDECIMAL(12,2)`t0`t0"
        $cols | Should -Contain "account.employees`tSMALLINT`t0`t0"
        $cols | Should -Contain "account.rating`tFLOAT4`t1`t0"
        $cols | Should -Contain "account.created`tDATETIME(3)`t1`t0"
        $cols | Should -Contain "contact.seq`tSMALLINT`t1`t2"
        # Comments live in the table's SQL text; checks keep json and the enum's values.
        $ddl | Should -Match ([regex]::Escape('/* Customer companies 客户 */'))
        $ddl | Should -Match ([regex]::Escape('"name" VARCHAR(80) NOT NULL, /* Legal name */'))
        $ddl | Should -Match ([regex]::Escape('CHECK ("stage" IN (''lead'', ''won'', ''lost''))'))
        $ddl | Should -Match ([regex]::Escape('CHECK (json_valid("doc"))'))
        $fks = Invoke-CrmTestSql -Kind Sqlite -Database $script:Lite -Sql "SELECT m.name, f.""table"", f.""from"", f.""to"", f.on_delete FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' ORDER BY 1, 3"
        $fks | Should -Contain "account`taccount`tparent_id`tid`tNO ACTION"
        $fks | Should -Contain "contact`taccount`taccount_id`tid`tCASCADE"
        $fks | Should -Contain "contact_note`tcontact`taccount_id`taccount_id`tNO ACTION"
        $fks | Should -Contain "contact_note`tcontact`tseq`tseq`tNO ACTION"
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Lite -Sql "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%' ORDER BY 1" |
            Should -Be @('ix_account_parent_id', 'ix_contact_note_account_id_seq')
        # Decimals are numbers to SQL; float4 is 9.8, not 9.800000190734863; the file alone holds the data.
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Lite -Sql 'SELECT MAX(credit), SUM(credit), MAX(rating) FROM account' | Should -Be "30288`t31287.49`t9.8"
        Test-Path "$($script:Lite)-wal" | Should -BeFalse
        Test-Path "$($script:Lite)-shm" | Should -BeFalse
        Test-CrmMigration -Source $script:Src.Connection -Target $script:Lite -Quiet | Should -BeTrue
    }

    It 'copies that SQLite file into MariaDB with every property' {
        Copy-CrmData $script:Lite $script:My.Connection -Create | Out-Null
        $cols = Invoke-CrmTestSql -Kind MySql -Database $script:My -Sql "SELECT CONCAT(TABLE_NAME, '.', COLUMN_NAME), COLUMN_TYPE, IS_NULLABLE, COLUMN_COMMENT FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1"
        $cols | Should -Contain "account.name`tvarchar(80)`tNO`tLegal name"
        $cols | Should -Contain "account.credit`tdecimal(12,2)`tYES`t"
        $cols | Should -Contain "account.employees`tsmallint(6)`tYES`t"
        $cols | Should -Contain "account.rating`tfloat`tNO`t"
        $cols | Should -Contain "account.created`tdatetime(3)`tNO`t"
        $cols | Should -Contain "account.stage`tenum('lead','won','lost')`tYES`t"
        $cols | Should -Contain "contact.email`tvarchar(120)`tYES`tWork e-mail"
        $cols | Should -Contain "archived_thing.label`tvarchar(10)`tYES`t"
        Invoke-CrmTestSql -Kind MySql -Database $script:My -Sql "SELECT TABLE_COMMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'account'" | Should -Be 'Customer companies 客户'
        $fks = Invoke-CrmTestSql -Kind MySql -Database $script:My -Sql "SELECT k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME WHERE k.TABLE_SCHEMA = DATABASE() ORDER BY 1, 2"
        $fks | Should -Contain "account`tparent_id`taccount`tid`tRESTRICT"
        $fks | Should -Contain "contact`taccount_id`taccount`tid`tCASCADE"
        $fks | Should -Contain "contact_note`tseq`tcontact`tseq`tRESTRICT"
        Invoke-CrmTestSql -Kind MySql -Database $script:My -Sql "SELECT CONCAT(TABLE_NAME, ':', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX)) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'PRIMARY' GROUP BY TABLE_NAME ORDER BY 1" |
            Should -Be @('account:id', 'archived_thing:id', 'contact:account_id,seq', 'contact_note:id')
        Invoke-CrmTestSql -Kind MySql -Database $script:My -Sql 'SELECT MAX(rating) FROM account' | Should -Be '9.8'
        Test-CrmMigration -Source $script:Src.Connection -Target $script:My.Connection -Quiet | Should -BeTrue
    }

    It 'copies MariaDB back into PostgreSQL with the source''s columns, keys, foreign keys and comments' {
        Copy-CrmData $script:My.Connection $script:Back.Connection -Create | Out-Null
        $source = Get-PgColumns $script:Src
        $back = Get-PgColumns $script:Back
        # Every column comes back as the source declared it, but the enum, whose type is named after its column on the way.
        $back | Where-Object { $_ -notlike 'account.stage*' } | Should -Be @($source | Where-Object { $_ -notlike 'account.stage*' })
        $back | Should -Contain "account.stage`taccount_stage`tt`t"
        Invoke-CrmTestSql -Kind PostgreSql -Database $script:Back -Sql "SELECT enum_range(NULL::account_stage)::text" | Should -Be '{lead,won,lost}'
        Get-PgConstraints $script:Back | Should -Be @(Get-PgConstraints $script:Src)
        Invoke-CrmTestSql -Kind PostgreSql -Database $script:Back -Sql "SELECT obj_description('account'::regclass)" | Should -Be 'Customer companies 客户'
        Invoke-CrmTestSql -Kind PostgreSql -Database $script:Back -Sql 'SELECT rating FROM account ORDER BY id' | Should -Be @('9.8', '1.1', '0.5')
        Test-CrmMigration -Source $script:Src.Connection -Target $script:Back.Connection -Quiet | Should -BeTrue
    }

    It '-WhatIf prints the DDL it would run and creates nothing' {
        $empty = New-CrmTestDatabase -Kind PostgreSql
        try {
            $manifest = (Get-CrmTestManifest) -replace "'", "''"
            $child = Invoke-CrmTestChild -WorkingDirectory $TestDrive -Environment @{ CRMMIGRATION_STATE_HOME = (Join-Path $TestDrive 'state') } -Script @"
`$cred = [pscredential]::new('$($script:Src.Credential.UserName)', (ConvertTo-SecureString '$(Get-Item env:CRM_PG_PASSWORD | ForEach-Object Value)' -AsPlainText -Force))
`$src = New-CrmConnection PostgreSql -Server '$($script:Src.Server)' -Port $($script:Src.Port) -Database '$($script:Src.Name)' -Credential `$cred
`$dst = New-CrmConnection PostgreSql -Server '$($empty.Server)' -Port $($empty.Port) -Database '$($empty.Name)' -Credential `$cred
Copy-CrmData `$src `$dst -Create -WhatIf | Out-Null
"@
            $child.ExitCode | Should -Be 0 -Because $child.Error
            $text = $child.Output -join "`n"
            $text | Should -Match ([regex]::Escape('CREATE TABLE "public"."account" ("id" integer NOT NULL, "name" character varying(80) NOT NULL'))
            $text | Should -Match ([regex]::Escape('COMMENT ON COLUMN "public"."account"."name" IS ''Legal name'''))
            $text | Should -Match 'ADD CONSTRAINT "fk_contact_note_account_id_seq" FOREIGN KEY \("account_id", "seq"\) REFERENCES "public"."contact"'
            $text | Should -Match 'CREATE TABLE "public"."archived_thing"'
            Invoke-CrmTestSql -Kind PostgreSql -Database $empty -Sql "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'" | Should -Be '0'
        }
        finally { $empty | Remove-CrmTestDatabase }
    }
}

Describe 'Copy-CrmData: names the target cannot hold' {
    It 'stops before anything is created, naming the name, the limit and how to rename' {
        $db = Join-Path $TestDrive 'long.db'
        $long = 'customer_relationship_management_account_hierarchy_memberships_history'
        $long.Length | Should -Be 70
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE $long (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id)); INSERT INTO accounts VALUES (1, 'a');" | Out-Null
        $pg = New-CrmTestDatabase -Kind PostgreSql
        $my = New-CrmTestDatabase -Kind MySql
        try {
            foreach ($target in $pg, $my) {
                { Copy-CrmData $db $target.Connection -Create -NoLedger -ErrorAction Stop } | Should -Throw -ErrorId 'TargetNameTooLong,CrmMigration.Commands.CopyCrmDataCommand'
                $err = $Error[0]
                $err.Exception.Message | Should -Match $long
                $err.Exception.Message | Should -Match $(if ($target.Kind -eq 'PostgreSql') { '63 bytes' } else { '64 characters' })
                $err.Exception.Message | Should -Match 'mapping'
            }
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" | Should -Be '0'
            Invoke-CrmTestSql -Kind MySql -Database $my -Sql 'SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()' | Should -Be '0'
            # Into SQLite, which holds any name, the whole database copies as it is.
            Copy-CrmData $db (Join-Path $TestDrive 'long-copy.db') -Create -NoLedger | Out-Null
            Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $TestDrive 'long-copy.db') -Sql "SELECT count(*) FROM sqlite_master WHERE name = '$long'" | Should -Be '1'
        }
        finally { $pg, $my | Remove-CrmTestDatabase }
    }
}

Describe 'Copy-CrmData: orphans the source holds' {
    It 'copies them as they are: SQLite keeps the foreign key with a warning, PostgreSQL does not create it, with an error' {
        $src = Join-Path $TestDrive 'orphans.db'
        # SQLite enforces no foreign key unless asked: an orphan the application left behind
        Invoke-CrmTestSql -Kind Sqlite -Database $src -Sql "CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE contacts (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id)); INSERT INTO accounts VALUES (1, 'a'); INSERT INTO contacts VALUES (1, 1), (2, 99);" | Out-Null
        $lite = Join-Path $TestDrive 'orphans-copy.db'
        $summaries = Copy-CrmData $src $lite -Create -NoLedger -WarningVariable w -ErrorVariable ev
        ($summaries | Measure-Object Inserted -Sum).Sum | Should -Be 3
        $ev | Should -BeNullOrEmpty
        @($w | Where-Object { "$_" -match "contacts: 1 row\(s\) of 'contacts' reference 'accounts' records that do not exist \(rowid 2\)" }).Count | Should -Be 1
        Invoke-CrmTestSql -Kind Sqlite -Database $lite -Sql "SELECT ""table"" || '.' || ""to"" FROM pragma_foreign_key_list('contacts')" | Should -Be 'accounts.id'
        Invoke-CrmTestSql -Kind Sqlite -Database $lite -Sql 'SELECT account_id FROM contacts ORDER BY id' | Should -Be @('1', '99')

        $pg = New-CrmTestDatabase -Kind PostgreSql
        try {
            $summaries = Copy-CrmData $src $pg.Connection -Create -NoLedger -ErrorVariable ev -ErrorAction SilentlyContinue
            ($summaries | Measure-Object Inserted -Sum).Sum | Should -Be 3
            @($ev).Count | Should -Be 1
            $ev[0] | Get-CrmTestErrorId | Should -Be 'ForeignKeyNotCreated'
            "$($ev[0])" | Should -Match 'ALTER TABLE "public"."contacts" ADD CONSTRAINT'
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace" | Should -Be '0'
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql "SELECT indexname FROM pg_indexes WHERE tablename = 'contacts' AND indexname LIKE 'ix_%'" | Should -Be 'ix_contacts_account_id'
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql 'SELECT account_id FROM contacts ORDER BY id' | Should -Be @('1', '99')
        }
        finally { $pg | Remove-CrmTestDatabase }
    }
}

Describe 'Copy-CrmData: a PostgreSQL enum column' {
    It 'takes its labels through the bulk path and refuses only the record whose label the type lacks' {
        $src = Join-Path $TestDrive 'statuses.db'
        $rows = (1..2500 | ForEach-Object { "($_, '$(if ($_ -eq 1700) { 'Lost' } elseif ($_ % 2) { 'Active' } else { 'Inactive' })')" }) -join ', '
        Invoke-CrmTestSql -Kind Sqlite -Database $src -Sql "CREATE TABLE contacts (id INTEGER PRIMARY KEY, status TEXT NOT NULL); INSERT INTO contacts VALUES $rows;" | Out-Null
        $pg = New-CrmTestDatabase -Kind PostgreSql
        try {
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql "CREATE TYPE contact_status AS ENUM ('Active', 'Inactive'); CREATE TABLE contacts (id integer PRIMARY KEY, status contact_status NOT NULL);" | Out-Null
            $summary = Copy-CrmData $src $pg.Connection -NoLedger -BatchSize 1000 -ErrorVariable ev -ErrorAction SilentlyContinue
            $summary.Inserted | Should -Be 2499
            $summary.Rejected | Should -Be 1
            @($ev).Count | Should -Be 1
            $ev[0] | Get-CrmTestErrorId | Should -Be 'ValueConversion'
            "$($ev[0])" | Should -Match "key '1700'.*enum contact_status: .Lost."
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql 'SELECT status, count(*) FROM contacts GROUP BY 1 ORDER BY 1' | Should -Be @("Active`t1250", "Inactive`t1249")
        }
        finally { $pg | Remove-CrmTestDatabase }
    }
}

Describe 'Copy-CrmData: nothing changes unasked' {
    It 'stops before writing anything when an existing table lacks fields, and adds them only with -AddColumns' {
        $src = Join-Path $TestDrive 'wide.db'
        $dst = Join-Path $TestDrive 'narrow.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $src -Sql "CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, twitter TEXT, nickname TEXT); INSERT INTO contacts VALUES (1, 'a', '@a', 'A'), (2, 'b', NULL, 'B');" | Out-Null
        Invoke-CrmTestSql -Kind Sqlite -Database $dst -Sql 'CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT);' | Out-Null
        { Copy-CrmData $src $dst -NoLedger -ErrorAction Stop } | Should -Throw -ErrorId 'TargetFieldsMissing,CrmMigration.Commands.CopyCrmDataCommand'
        $Error[0].Exception.Message | Should -Match "'twitter', 'nickname'"
        Invoke-CrmTestSql -Kind Sqlite -Database $dst -Sql 'SELECT count(*) FROM contacts' | Should -Be '0'
        Invoke-CrmTestSql -Kind Sqlite -Database $dst -Sql "SELECT group_concat(name) FROM pragma_table_info('contacts')" | Should -Be 'id,name'
        Copy-CrmData $src $dst -NoLedger -AddColumns | Out-Null
        Invoke-CrmTestSql -Kind Sqlite -Database $dst -Sql "SELECT group_concat(name) FROM pragma_table_info('contacts')" | Should -Be 'id,name,twitter,nickname'
        Invoke-CrmTestSql -Kind Sqlite -Database $dst -Sql 'SELECT twitter FROM contacts WHERE id = 1' | Should -Be '@a'
    }

    It 'does not create a missing server table without -Create' {
        $pg = New-CrmTestDatabase -Kind PostgreSql
        try {
            $src = Join-Path $TestDrive 'one.db'
            Invoke-CrmTestSql -Kind Sqlite -Database $src -Sql "CREATE TABLE t (id INTEGER PRIMARY KEY); INSERT INTO t VALUES (1);" | Out-Null
            { Copy-CrmData $src $pg.Connection -NoLedger -ErrorAction Stop } | Should -Throw -ErrorId 'TargetEntityNotFound,CrmMigration.Commands.CopyCrmDataCommand'
            $Error[0].Exception.Message | Should -Match '-Create'
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'" | Should -Be '0'
        }
        finally { $pg | Remove-CrmTestDatabase }
    }
}

Describe 'Copy-CrmData: a plain CSV file' {
    It 'types every column from the whole file and never makes a later value text' {
        $folder = Join-Path $TestDrive 'plain'
        $lines = @('Id,Zip,Amount,Since,Active,Note')
        1..1500 | ForEach-Object { $lines += "$_,0$($_ % 9)123,$_.25,2024-01-$('{0:00}' -f (1 + $_ % 28)),true," }
        $lines += '1501,99999,1e3,2024-02-01,false,finally a note'  # a value in the last row only; 1e3 is not a plain decimal
        New-CrmTestCsv -Path (Join-Path $folder 'deals.csv') -Line $lines | Out-Null
        $pg = New-CrmTestDatabase -Kind PostgreSql
        try {
            Copy-CrmData $folder $pg.Connection -Create -NoLedger | ForEach-Object { $_.Inserted } | Should -Be 1501
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql "SELECT column_name || ' ' || data_type FROM information_schema.columns WHERE table_name = 'deals' ORDER BY ordinal_position" |
                Should -Be @('Id bigint', 'Zip text', 'Amount text', 'Since date', 'Active boolean', 'Note text')
            Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql 'SELECT "Zip", "Note" FROM deals WHERE "Id" IN (1, 1501) ORDER BY 1' | Should -Be @("01123`t", "99999`tfinally a note")
        }
        finally { $pg | Remove-CrmTestDatabase }
    }

    It 'keys a psql export by <entity>_id, and rejects a row without one (RecordKeyMissing) instead of letting SQLite number it' {
        # As `psql -c "\copy track TO track.csv CSV HEADER"` writes a snake_case table: the key is track_id, row 3 lost its id.
        $folder = Join-Path $TestDrive 'psql'
        New-CrmTestCsv -Path (Join-Path $folder 'track.csv') -NewLine "`n" -Line @(
            'track_id,name,composer', '1,For Those About To Rock,"Angus Young, Malcolm Young"', '2,Balls to the Wall,', ',Fast As a Shark,F. Baltes', '3,Restless and Wild,') | Out-Null
        $db = Join-Path $folder 'music.db'
        $result = Copy-CrmData (Join-Path $folder 'track.csv') $db -Create -ErrorVariable bad -ErrorAction SilentlyContinue
        $result.Inserted | Should -Be 3
        $result.Rejected | Should -Be 1
        @($bad | Get-CrmTestErrorId) | Should -Be @('RecordKeyMissing')
        $bad[0].Exception.Message | Should -Match 'track\.csv:4'
        & sqlite3 $db "SELECT group_concat(pk || ':' || name, ' ') FROM pragma_table_info('track') WHERE pk > 0" | Should -Be '1:track_id'
        & sqlite3 $db 'SELECT track_id || ''|'' || name FROM track ORDER BY track_id' | Should -Be @('1|For Those About To Rock', '2|Balls to the Wall', '3|Restless and Wild')
    }

    It 'rejects every row whose key is empty as RecordKeyMissing, naming file, line and field, and lands the rest' {
        # Two rows lost their id. Into a text key the first used to land as '' and the second to be a "duplicate"; now neither has an
        # identity: both are rejected before the target, in the reject file and the ledger; -WhatIf and Test-CrmMigration agree.
        $folder = Join-Path $TestDrive 'emptykeys'
        $csv = Join-Path $folder 'customer.csv'
        New-CrmTestCsv -Path $csv -NewLine "`n" -Line @('customer_id,name', 'C1,Ana', ',Bo', 'C2,Chen', ' ,Spaces', ',Dee', 'C3,Eve') | Out-Null
        $db = Join-Path $folder 'crm.db'
        & sqlite3 $db 'CREATE TABLE customer (customer_id TEXT NOT NULL PRIMARY KEY, name TEXT)'
        $plan = Copy-CrmData $csv $db -WhatIf -ErrorVariable planned -ErrorAction SilentlyContinue
        ($plan.Inserted, $plan.Rejected) | Should -Be @(4, 2)
        @($planned | Get-CrmTestErrorId) | Should -Be @('RecordKeyMissing', 'RecordKeyMissing')

        $result = Copy-CrmData $csv $db -RejectPath (Join-Path $folder 'rejects') -ErrorVariable bad -ErrorAction SilentlyContinue
        ($result.Read, $result.Inserted, $result.Rejected) | Should -Be @(6, 4, 2)
        $result.RejectReasons['RecordKeyMissing'] | Should -Be 2
        @($bad | Get-CrmTestErrorId) | Should -Be @('RecordKeyMissing', 'RecordKeyMissing')
        @($bad | ForEach-Object { $_.TargetObject.Origin.Line }) | Should -Be @(3, 6)
        $bad | ForEach-Object { $_.Exception.Message | Should -Match ([regex]::Escape($csv) + ':[36] .*field ''customer_id''.*key field ''customer_id'' of customer is empty') }
        $bad[0].CategoryInfo.Category | Should -Be 'InvalidData'
        # A key of spaces is a value: it lands.
        & sqlite3 $db 'SELECT ''['' || customer_id || '']'' || name FROM customer ORDER BY 1' | Should -Be @('[ ]Spaces', '[C1]Ana', '[C2]Chen', '[C3]Eve')
        $rejects = @(Get-ChildItem (Join-Path $folder 'rejects') -Recurse -Filter 'customer.csv' | ForEach-Object { Import-Csv $_.FullName })
        @($rejects | ForEach-Object { $_.name + ':' + $_.RejectReason }) | Should -Be @('Bo:RecordKeyMissing', 'Dee:RecordKeyMissing')
        @(Get-CrmMigrationRun -Target $db)[0].Balanced | Should -BeTrue
        Test-CrmMigration -Source $csv -Target $db -Quiet | Should -BeTrue
    }

    It 'keeps a MariaDB AUTO_INCREMENT key as the file has it: 0 stays 0, a row without one is rejected, not numbered' {
        # A table a DBA made with AUTO_INCREMENT (as MySQL's Chinook does), loaded from an export where one row lost its id and one is 0.
        $folder = Join-Path $TestDrive 'autoinc'
        New-CrmTestCsv -Path (Join-Path $folder 'genre.csv') -NewLine "`n" -Line @('genre_id,name', '0,Unknown', '1,Rock', ',Jazz', '2,Metal') | Out-Null
        $my = New-CrmTestDatabase -Kind MySql
        try {
            Invoke-CrmTestSql -Kind MySql -Database $my -Sql 'CREATE TABLE genre (genre_id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, name VARCHAR(120))' | Out-Null
            $result = Copy-CrmData (Join-Path $folder 'genre.csv') $my.Connection -ErrorVariable bad -ErrorAction SilentlyContinue
            $result.Inserted | Should -Be 3
            $result.Rejected | Should -Be 1
            @($bad | Get-CrmTestErrorId) | Should -Be @('RecordKeyMissing')
            $bad[0].Exception.Message | Should -Match 'genre\.csv:4'
            Invoke-CrmTestSql -Kind MySql -Database $my -Sql "SELECT CONCAT(genre_id, '|', name) FROM genre ORDER BY genre_id" | Should -Be @('0|Unknown', '1|Rock', '2|Metal')
        }
        finally { $my | Remove-CrmTestDatabase }
    }
}

Describe 'Copy-CrmData: one run, one worker' {
    BeforeAll {
        $script:Work = Join-Path $TestDrive 'lease'
        New-Item -ItemType Directory $script:Work | Out-Null
        New-CrmSampleData -Path (Join-Path $script:Work 'legacy.db') -Seed 3 -Scale 2000 | Out-Null
        $script:SourceRows = @{}
        foreach ($s in Get-CrmSchema (Join-Path $script:Work 'legacy.db')) { $script:SourceRows[$s.Name] = $s.RowCount }

        function Start-CrmChild([string] $Script, [hashtable] $Environment = @{}) {
            # A fresh pwsh with the module, not waited for: output and errors go to files next to the work.
            $pwsh = @(Get-CrmTestPwsh)
            $file = Join-Path $script:Work ("child-" + [Guid]::NewGuid().ToString('N') + '.ps1')
            Set-Content -LiteralPath $file -Value ("`$ErrorActionPreference = 'Stop'`nImport-Module '$((Get-CrmTestManifest) -replace "'", "''")'`n" + $Script) -Encoding utf8
            $psi = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
            foreach ($a in ($pwsh | Select-Object -Skip 1)) { $psi.ArgumentList.Add($a) }
            foreach ($a in '-NoProfile', '-NonInteractive', '-File', $file) { $psi.ArgumentList.Add($a) }
            $psi.WorkingDirectory = $script:Work
            $psi.RedirectStandardOutput = $true
            $psi.RedirectStandardError = $true
            foreach ($k in $Environment.Keys) { $psi.Environment[$k] = [string]$Environment[$k] }
            $p = [Diagnostics.Process]::Start($psi)
            [pscustomobject]@{ Process = $p; Out = $p.StandardOutput.ReadToEndAsync(); Err = $p.StandardError.ReadToEndAsync() }
        }

        function Assert-BooksExact([string] $Target) {
            foreach ($name in $script:SourceRows.Keys) {
                Invoke-CrmTestSql -Kind Sqlite -Database $Target -Sql "SELECT count(*) FROM $name" | Should -Be ([string]$script:SourceRows[$name]) -Because "$name in $Target"
            }
            $runs = @(Get-CrmMigrationRun -Target $Target)
            $runs | ForEach-Object { $_.Balanced | Should -BeTrue -Because "run $($_.RunId) must balance" }
            $runs
        }
    }

    It 'stops a second process and a -Resume on the same target while the first works, and the first ends exact' {
        $target = Join-Path $script:Work 'new.db'
        # The first copy pauses 8 s after recording its second batch, holding the run (its heartbeat keeps going).
        # (The sample CRM has orphaned contacts, copied as they are: the broken foreign key is an error of its own, not a stop.)
        $first = Start-CrmChild 'Copy-CrmData ./legacy.db ./new.db -Create -BatchSize 200 -ErrorAction Continue | Out-Null' @{ CRMMIGRATION_PAUSE = 'after-ledger:2:8000' }
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        do {
            Start-Sleep -Milliseconds 300
            # (The file may exist before its tables do: a read that finds no table yet counts as nothing recorded.)
            $held = if (Test-Path "$target.crm-ledger.sqlite") { try { Invoke-CrmTestSql -Kind Sqlite -Database "$target.crm-ledger.sqlite" -Sql 'SELECT count(*) FROM batches' } catch { '0' } } else { '0' }
        } until ([int]$held -ge 2 -or $first.Process.HasExited -or [DateTime]::UtcNow -gt $deadline)
        $first.Process.HasExited | Should -BeFalse
        $second = Invoke-CrmTestChild -WorkingDirectory $script:Work -Script 'Copy-CrmData ./legacy.db ./new.db -Create | Out-Null'
        $second.ExitCode | Should -Not -Be 0
        $second.Error | Should -Match 'RunLeaseHeld|being worked on by process'
        $resume = Invoke-CrmTestChild -WorkingDirectory $script:Work -Script 'Copy-CrmData ./legacy.db ./new.db -Create -Resume | Out-Null'
        $resume.ExitCode | Should -Not -Be 0
        $resume.Error | Should -Match 'being worked on by process'
        $first.Process.WaitForExit(120000) | Should -BeTrue
        $first.Process.ExitCode | Should -Be 0 -Because $first.Err.Result
        $runs = @(Assert-BooksExact $target)
        $runs.Count | Should -Be 1
        $runs[0].Status | Should -Be 'Completed'
        $runs[0].Attempts | Should -Be 1
        ($runs[0].Entities | Measure-Object Inserted -Sum).Sum | Should -Be (($script:SourceRows.Values | Measure-Object -Sum).Sum)
    }

    It 'takes over the run of a process that died, at once, and the books stay exact' {
        $target = Join-Path $script:Work 'crash.db'
        $killed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:3' } -Script 'Copy-CrmData ./legacy.db ./crash.db -Create -BatchSize 200 -ErrorAction Continue | Out-Null'
        $killed.ExitCode | Should -Not -Be 0
        Invoke-CrmTestSql -Kind Sqlite -Database "$target.crm-ledger.sqlite" -Sql 'SELECT count(*) FROM leases' | Should -Be '1'
        $resumed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Script 'Copy-CrmData ./legacy.db ./crash.db -Create -BatchSize 200 -Resume -ErrorAction Continue 3>&1 | ForEach-Object { "$_" }'
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
        ($resumed.Output -join "`n") | Should -Match 'no longer runs; this process took the run over'
        $runs = @(Assert-BooksExact $target)
        $runs.Count | Should -Be 1
        $runs[0].Attempts | Should -Be 2
        Invoke-CrmTestSql -Kind Sqlite -Database "$target.crm-ledger.sqlite" -Sql 'SELECT count(*) FROM leases' | Should -Be '0'
    }
}

Describe 'Copy-CrmData: the ledger of a server target' {
    BeforeAll {
        $script:Pg = New-CrmTestDatabase -Kind PostgreSql
        $script:State = Join-Path $TestDrive 'job-state'
        $script:Legacy = Join-Path $TestDrive 'server-legacy.db'
        New-CrmSampleData -Path $script:Legacy -Seed 5 -Scale 400 | Out-Null
        $script:Contacts = [int](Invoke-CrmTestSql -Kind Sqlite -Database $script:Legacy -Sql 'SELECT count(*) FROM contacts')
        $script:Job = @"
`$cred = [pscredential]::new('$($script:Pg.Credential.UserName)', (ConvertTo-SecureString `$env:CRM_PG_PASSWORD -AsPlainText -Force))
`$pg = New-CrmConnection PostgreSql -Server '$($script:Pg.Server)' -Port $($script:Pg.Port) -Database '$($script:Pg.Name)' -Credential `$cred
"@
        function Invoke-Job([string] $Directory, [string] $Command) {
            New-Item -ItemType Directory -Force $Directory | Out-Null
            Invoke-CrmTestChild -WorkingDirectory $Directory -Environment @{ CRMMIGRATION_STATE_HOME = $script:State } -Script ($script:Job + "`n" + $Command)
        }
    }
    AfterAll { $script:Pg | Remove-CrmTestDatabase }

    It 'is found by a scheduled job started from any directory' {
        $first = Invoke-Job (Join-Path $TestDrive 'cron-a') "Copy-CrmData '$($script:Legacy)' `$pg -Entity accounts, contacts -Create -ErrorAction Continue | Out-Null"
        $first.ExitCode | Should -Be 0 -Because $first.Error
        # The sample's orphaned contacts are copied as they are; the foreign key they break is one error, not created.
        $first.Error | Should -Match "The foreign key of 'contacts' was not created"
        Invoke-CrmTestSql -Kind PostgreSql -Database $script:Pg -Sql 'SELECT count(*) FROM contacts' | Should -Be ([string]$script:Contacts)
        @(Get-ChildItem (Join-Path $script:State 'ledgers') -Filter 'crm-ledger-postgresql-*.sqlite').Count | Should -Be 1
        @(Get-ChildItem (Join-Path $TestDrive 'cron-a') -Filter 'crm-ledger-*').Count | Should -Be 0
        # The same job from elsewhere: the ledger knows every record, so Insert skips them all without a DuplicateKey.
        $again = Invoke-Job (Join-Path $TestDrive 'cron-b') "Copy-CrmData '$($script:Legacy)' `$pg -Entity accounts, contacts -Create -ErrorAction Continue | ForEach-Object { '{0}:{1}:{2}' -f `$_.Entity, `$_.Skipped, `$_.Rejected }"
        $again.ExitCode | Should -Be 0 -Because $again.Error
        $again.Output | Should -Contain "contacts:$($script:Contacts):0"
        $again.Error | Should -Not -Match 'DuplicateKey'
    }

    It 'writes back exactly the rows deleted out of band, with one line saying so' {
        Invoke-CrmTestSql -Kind PostgreSql -Database $script:Pg -Sql 'DELETE FROM contacts WHERE contact_id IN (SELECT contact_id FROM contacts ORDER BY contact_id LIMIT 2)' | Out-Null
        $repair = Invoke-Job (Join-Path $TestDrive 'cron-c') "Copy-CrmData '$($script:Legacy)' `$pg -Entity accounts, contacts -Create -ErrorAction Continue 3>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.WarningRecord]) { 'WARNING ' + `$_.Message } elseif (`$_.Entity -eq 'contacts') { '{0}:{1}:{2}' -f `$_.Inserted, `$_.Skipped, `$_.Rejected } }"
        $repair.ExitCode | Should -Be 0 -Because $repair.Error
        $repair.Output | Should -Contain "2:$($script:Contacts - 2):0"
        @($repair.Output | Where-Object { $_ -like 'WARNING *' }).Count | Should -Be 1
        ($repair.Output -join "`n") | Should -Match "lacks 2 of the $($script:Contacts)"
        Invoke-CrmTestSql -Kind PostgreSql -Database $script:Pg -Sql 'SELECT count(*) FROM contacts' | Should -Be ([string]$script:Contacts)
    }

    It 'reports records an Insert finds in the target as one error per entity, or each one when asked' {
        $errors = @()
        $summaries = Copy-CrmData $script:Legacy $script:Pg.Connection -Entity contacts -NoLedger -ErrorVariable errors -ErrorAction SilentlyContinue
        $summaries.Rejected | Should -Be $script:Contacts
        $errors.Count | Should -Be 1
        $errors[0] | Get-CrmTestErrorId | Should -Be 'DuplicateKey'
        $errors[0].Exception.Message | Should -Match ("{0:N0} record\(s\) already exist" -f $script:Contacts)
        $each = @()
        Copy-CrmData $script:Legacy $script:Pg.Connection -Entity contacts -NoLedger -PassThru -ErrorVariable each -ErrorAction SilentlyContinue | Out-Null
        $each.Count | Should -Be $script:Contacts
        { Copy-CrmData $script:Legacy $script:Pg.Connection -Entity contacts -NoLedger -ErrorAction Stop } | Should -Throw -ErrorId 'DuplicateKey,CrmMigration.Commands.CopyCrmDataCommand'
    }
}

Describe 'Copy-CrmData: a copy into a server resumed after the target took a batch the ledger did not' {
    BeforeAll {
        $script:Work = Join-Path $TestDrive 'resume-server'
        New-Item -ItemType Directory $script:Work | Out-Null
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add('id,name,city,score')
        for ($i = 1; $i -le 3000; $i++) { $lines.Add(('K{0:D5},Name {0},City {1},{2}' -f $i, ($i % 17), ($i % 100))) }
        [IO.File]::WriteAllLines((Join-Path $script:Work 'people.csv'), $lines)
    }

    It 'lands every row once into <Kind>, the batch sent again found as it was, with insert outcomes for the rest' -ForEach @(
        @{ Kind = 'PostgreSql'; Prefix = 'CRM_PG_' }, @{ Kind = 'MySql'; Prefix = 'CRM_MY_' }
    ) {
        $db = New-CrmTestDatabase -Kind $Kind
        try {
            $connect = @"
`$cred = [pscredential]::new('$($db.Credential.UserName)', (ConvertTo-SecureString `$env:${Prefix}PASSWORD -AsPlainText -Force))
`$t = New-CrmConnection $Kind -Server '$($db.Server)' -Port $($db.Port) -Database '$($db.Name)' -Credential `$cred
"@
            $copy = "Copy-CrmData -Source ./people.csv -Target `$t -Create -BatchSize 500 -StatePath ./people.ledger"
            # Killed after batch 3 committed in the target and before the ledger recorded it.
            $killed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Environment @{ CRMMIGRATION_FAULT = 'after-target:3' } -Script "$connect`n$copy | Out-Null"
            $killed.ExitCode | Should -Not -Be 0 -Because "the fault point should have killed the process: $($killed.Error)"
            Invoke-CrmTestSql -Kind $Kind -Database $db -Sql 'SELECT count(*) FROM people' | Should -Be '1500'

            $resumed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Script "$connect`n$copy -Resume | ForEach-Object { '{0}:{1}:{2}:{3}:{4}' -f `$_.Read, `$_.Inserted, `$_.Updated, `$_.Skipped, `$_.Rejected }"
            $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
            $resumed.Error | Should -Not -Match 'DuplicateKey'
            Invoke-CrmTestSql -Kind $Kind -Database $db -Sql 'SELECT count(*), count(DISTINCT id), sum(score) FROM people' | Should -Be "3000`t3000`t148500"
            $run = Get-CrmMigrationRun -StatePath (Join-Path $script:Work 'people.ledger')
            $run.Balanced | Should -BeTrue
            $run.Attempts | Should -Be 2
            $people = $run.Entities | Where-Object Entity -eq 'people'
            # Batches 1 and 2 recorded by the killed run, batch 3 sent again (in the target unchanged), the rest inserted.
            ($people.Read, $people.Inserted, $people.Updated, $people.Skipped, $people.Rejected) | Should -Be @(3000, 2500, 0, 500, 0)
            @(Get-CrmMigrationRecord -StatePath (Join-Path $script:Work 'people.ledger')).Count | Should -Be 3000
        }
        finally {
            $db | Remove-CrmTestDatabase
            Remove-Item (Join-Path $script:Work 'people.ledger*') -Force -ErrorAction Ignore
        }
    }
}

Describe 'Copy-CrmData with a source that is not there' {
    It 'stops with SourceNotFound and records no run' {
        Push-Location $TestDrive
        try {
            { Copy-CrmData ./nope.csv ./t.db -Create -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.CopyCrmDataCommand'
            Test-Path ./t.db | Should -BeFalse
            Test-Path ./t.db.crm-ledger.sqlite | Should -BeFalse
            # A missing SQLite file has its own id, as before.
            { Copy-CrmData ./nope.db ./t.db -Create -ErrorAction Stop } | Should -Throw -ErrorId 'SqliteDatabaseNotFound,CrmMigration.Commands.CopyCrmDataCommand'
            Test-Path ./t.db.crm-ledger.sqlite | Should -BeFalse
        }
        finally { Pop-Location }
    }
}

Describe 'Copy-CrmData' {
    BeforeAll {
        $script:Map = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'

        function Assert-MigrationPasses([string] $Source, [string] $Target) {
            # Pass, or Warning when the only difference is records the import rejected with a reason (MissingParent), as its ledger says.
            $results = @(Test-CrmMigration -Source $Source -Target $Target -Mapping $Map)
            $results.Count | Should -BeGreaterThan 0
            foreach ($r in $results) {
                $explained = $r.Status -eq 'Warning' -and ($r.Details -match 'the import did not land' -or $r.Details -match 'ledger records')
                ($r.Status -eq 'Pass' -or $explained) | Should -BeTrue -Because "$($r.Check) $($r.Entity): $($r.Status) $($r.Details)"
            }
        }

        function Get-ErrorLine([object[]] $Errors, [string] $Db) {
            # Error id and message, with the target's file name made neutral, sorted: to compare two runs' errors.
            @($Errors | ForEach-Object { ($_ | Get-CrmTestErrorId) + ' ' + $_.Exception.Message.Replace($Db, 'target.db') } | Sort-Object -CaseSensitive)
        }
    }
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'gives exactly the target, errors and reject files of Export | Convert | Import, and counts the mapping''s rejects too' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 1000 | Out-Null
        $piped = @(Export-CrmData ./legacy.db -Entity accounts, contacts, opportunities |
                Convert-CrmRecord -Mapping $Map -RejectPath ./rejects-pipe -ErrorVariable +pipeErrors -ErrorAction SilentlyContinue |
                Import-CrmData ./pipe.db -Create -RejectPath ./rejects-pipe -ErrorVariable +pipeErrors -ErrorAction SilentlyContinue)
        $copied = @(Copy-CrmData ./legacy.db ./copy.db -Mapping $Map -Create -RejectPath ./rejects-copy -ErrorVariable copyErrors -ErrorAction SilentlyContinue)

        # the same errors, with the same ids, as Convert-CrmRecord and Import-CrmData wrote
        $copyErrors.Count | Should -BeGreaterThan 0
        Get-ErrorLine $copyErrors 'copy.db' | Should -Be (Get-ErrorLine $pipeErrors 'pipe.db')

        Assert-MigrationPasses ./legacy.db ./copy.db
        foreach ($entity in 'Account', 'Contact', 'Opportunity') {
            Invoke-CrmTestSql -Kind Sqlite -Database ./copy.db -Sql "ATTACH 'pipe.db' AS p; SELECT count(*) FROM p.$entity" | Should -BeGreaterThan 0
            $diff = Invoke-CrmTestSql -Kind Sqlite -Database ./copy.db -Sql @"
ATTACH 'pipe.db' AS p;
SELECT (SELECT count(*) FROM (SELECT * FROM p.$entity EXCEPT SELECT * FROM main.$entity))
     + (SELECT count(*) FROM (SELECT * FROM main.$entity EXCEPT SELECT * FROM p.$entity));
"@
            $diff | Should -Be '0' -Because "$entity must hold the same rows after the copy as after the pipeline"
        }
        # each run writes into its own folder under -RejectPath (the pipeline's two commands into one each)
        Get-Content -Raw (Get-CrmTestRejectFile ./rejects-copy contacts.csv) | Should -BeExactly (Get-Content -Raw (Get-CrmTestRejectFile ./rejects-pipe contacts.csv))
        # MissingParent, from the import
        (Get-Content -Raw (Get-CrmTestRejectFile ./rejects-copy Contact.csv)).Replace('copy.db', 'target.db') |
            Should -BeExactly (Get-Content -Raw (Get-CrmTestRejectFile ./rejects-pipe Contact.csv)).Replace('pipe.db', 'target.db')

        # the summaries: the pipeline's Import never saw the mapping's rejects, the copy counts them
        @($copied | ForEach-Object Entity) | Should -Be @('Account', 'Contact', 'Opportunity')
        foreach ($s in $copied) {
            $s | Should -BeOfType CrmMigration.CrmImportSummary
            $p = $piped | Where-Object Entity -eq $s.Entity
            $s.Inserted | Should -Be $p.Inserted
            $s.Balanced | Should -BeTrue
            # the copy's extra reads are exactly the mapping's rejects (the target's rejects, MissingParent, are in both)
            $s.Read | Should -Be ($p.Read + $s.Rejected - $p.Rejected)
        }
    }

    It 'balances its books with the mapping''s rejects and filtered records, and the ledger records them' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 1000 | Out-Null
        $map = @{ Entities = @{ Person = @{
                    Source = 'contacts'; Key = 'Id'
                    Where  = @( @{ Field = 'contact_id'; NotLike = 'P00001??'; Reason = 'HundredsBlock' } )
                    Fields = [ordered]@{ Id = 'contact_id'; Last = @{ Source = 'last_name'; Required = $true }; Email = 'email' } } } }
        $summary = Copy-CrmData ./legacy.db ./new.db -Mapping $map -Create -RejectPath ./rejects -ErrorVariable ev -ErrorAction SilentlyContinue

        $summary.Read | Should -Be @(Export-CrmData ./legacy.db -Entity contacts).Count
        $summary.Filtered | Should -Be 100
        $summary.Rejected | Should -BeGreaterThan 0 -Because 'the sample has contacts without a last name'
        $summary.Read | Should -Be ($summary.Inserted + $summary.Rejected + $summary.Filtered)
        $summary.Balanced | Should -BeTrue
        $summary.RejectReasons['RecordRequiredFieldMissing'] | Should -Be $summary.Rejected
        $ev.Count | Should -Be $summary.Rejected     # one error per rejected record
        $ev | ForEach-Object { $_ | Get-CrmTestErrorId | Should -Be 'RecordRequiredFieldMissing' }
        @(Get-CrmMigrationRecord ./new.db -Outcome Filtered | Where-Object ReasonCode -eq 'HundredsBlock').Count | Should -Be 100
        @(Get-CrmMigrationRecord ./new.db -ReasonCode RecordRequiredFieldMissing).Count | Should -Be $summary.Rejected
        @(Export-CrmData (Get-CrmTestRejectFile ./rejects contacts.csv)).Count | Should -Be $summary.Rejected
        (Get-CrmMigrationRun ./new.db).Balanced | Should -BeTrue
        (Get-CrmSchema ./new.db -Entity Person).RowCount | Should -Be $summary.Inserted
        Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql 'SELECT count(*) FROM Person' | Should -Be ([string]$summary.Inserted)
    }

    It 'copies a CSV folder into <Kind> through a mapping, and the check passes' -ForEach @(@{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 500 | Out-Null
        $db = New-CrmTestDatabase -Kind $Kind
        try {
            $conn = $db.Connection
            # the legacy system as a CSV folder (a copy into files, without a mapping)
            Copy-CrmData ./legacy.db ./csv -Entity accounts, contacts, opportunities -NoLedger | Out-Null
            $map = @{ Entities = @{
                    Account     = @{ Source = 'accounts'; Key = 'Id'; Fields = [ordered]@{ Id = 'account_id'; Name = @{ Source = 'name'; Transform = 'Trim'; Required = $true }; Country = 'country' } }
                    Contact     = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{ Id = 'contact_id'; AccountId = 'account_id'; LastName = @{ Source = 'last_name'; Transform = 'Trim'; Required = $true }; Email = @{ Source = 'email'; Transform = 'Trim', 'Lower', 'EmptyToNull' }; CreatedAt = 'created_at' } }
                    Opportunity = @{ Source = 'opportunities'; Key = 'Id'; Fields = [ordered]@{ Id = 'opportunity_id'; AccountId = 'account_id'; Amount = @{ Source = 'amount'; Type = 'Decimal'; Default = 0 } } }
                } }
            $summaries = @(Copy-CrmData -Source ./csv -Destination $conn -Mapping $map -Create -BatchSize 300 -ErrorVariable ev -ErrorAction SilentlyContinue)
            $summaries.Count | Should -Be 3
            $summaries[0].Entity | Should -Be 'Account'
            $summaries | ForEach-Object { $_.Balanced | Should -BeTrue }
            $summaries[1].Inserted | Should -BeGreaterThan 400
            # the sample plants orphans, which break the foreign keys the source declares: the records are copied as they
            # are, and the constraint the data breaks is not created (one error each)
            $ev | ForEach-Object { $_ | Get-CrmTestErrorId | Should -Match '^(Record.*|ForeignKeyNotCreated)$' }
            Test-CrmMigration -Source ./csv -Target $conn -Mapping $map -Quiet | Should -BeTrue
            @(Get-CrmMigrationRun -Target $conn)[-1].Status | Should -Be 'Completed'
            $table = if ($Kind -eq 'PostgreSql') { '"Contact"' } else { 'Contact' }
            Invoke-CrmTestSql -Kind $Kind -Database $db -Sql "SELECT count(*) FROM $table" | Should -Be ([string]$summaries[1].Inserted)
        }
        finally { Remove-CrmTestDatabase $db }
    }

    It '-WhatIf writes nothing: no target, no ledger, no reject folder; into an existing target, no change' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 300 | Out-Null
        $summaries = @(Copy-CrmData ./legacy.db ./new.db -Mapping $Map -Create -RejectPath ./rejects -WhatIf -ErrorAction SilentlyContinue)
        $summaries.Count | Should -Be 3
        $summaries | ForEach-Object { $_.WhatIf | Should -BeTrue }
        $summaries[1].Inserted | Should -BeGreaterThan 250 -Because 'the plan says what would be inserted'
        './new.db.crm-ledger.sqlite' | Should -Not -Exist
        './rejects' | Should -Not -Exist
        if (Test-Path ./new.db) { Invoke-CrmTestSql -Kind Sqlite -Database ./new.db -Sql "SELECT count(*) FROM sqlite_master WHERE type = 'table'" | Should -Be '0' }

        Copy-CrmData ./legacy.db ./csv -Entity accounts -NoLedger | Out-Null
        $before = Get-ChildItem ./csv -File | ForEach-Object { @{ Name = $_.Name; Hash = (Get-FileHash $_.FullName).Hash } }
        $plan = @(Copy-CrmData ./legacy.db ./csv -Entity accounts, contacts -Mode Upsert -WhatIf)
        @($plan | ForEach-Object WhatIf) | Should -Be @($true, $true)
        $after = Get-ChildItem ./csv -File | ForEach-Object { @{ Name = $_.Name; Hash = (Get-FileHash $_.FullName).Hash } }
        ($after | ForEach-Object { $_.Name + ' ' + $_.Hash }) | Should -Be ($before | ForEach-Object { $_.Name + ' ' + $_.Hash })
    }

    It 'resumes a copy killed half-way to exactly the source set' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 2000 | Out-Null
        $copy = "Copy-CrmData ./legacy.db ./new.db -Mapping '$Map' -Create -BatchSize 200 -ErrorAction SilentlyContinue"
        $killed = Invoke-CrmTestChild -Script $copy -Environment @{ CRMMIGRATION_FAULT = 'after-target:3' }
        $killed.ExitCode | Should -Not -Be 0 -Because "the fault point should have killed the process: $($killed.Error)"
        (Get-CrmMigrationRun ./new.db).Status | Should -Be 'Running'

        $resumed = Invoke-CrmTestChild -Script "$copy -Resume"
        $resumed.ExitCode | Should -Be 0 -Because ($resumed.Output + $resumed.Error -join "`n")
        Assert-MigrationPasses ./legacy.db ./new.db
        $run = Get-CrmMigrationRun ./new.db
        $run.Status | Should -Be 'Completed'
        $run.Attempts | Should -Be 2
        $run.Balanced | Should -BeTrue
        $source = @(Export-CrmData ./legacy.db -Entity accounts, contacts, opportunities).Count
        $run.Read | Should -Be $source
        @(Get-CrmMigrationRecord ./new.db).Count | Should -Be $source     # one recorded outcome per source record
        # the mapping's rejects, once each
        @(Get-CrmMigrationRecord ./new.db -Outcome Rejected | Where-Object ReasonCode -ne 'MissingParent').Count |
            Should -Be @(Export-CrmData ./legacy.db -Entity contacts | Where-Object { [string]::IsNullOrWhiteSpace($_.last_name) }).Count
    }

    It 'reports a malformed CSV row with file and line, keeps it in a reject file and the ledger, and copies the rest' {
        New-CrmTestCsv ./src/contacts.csv -NewLine "`n" -Line @(
            'id,name,email'
            '1,Ada,ada@example.org'
            '2,Grace,grace@example.org'
            '3,Bad,row,with,too,many'
            '4,Alan,alan@example.org'
            '5,Edsger,edsger@example.org') | Out-Null
        $summary = Copy-CrmData ./src ./new.db -Create -RejectPath ./rejects -ErrorVariable ev -ErrorAction SilentlyContinue
        $summary.Read | Should -Be 5
        $summary.Inserted | Should -Be 4
        $summary.Rejected | Should -Be 1
        $summary.Balanced | Should -BeTrue
        $ev.Count | Should -Be 1
        $ev[0] | Get-CrmTestErrorId | Should -Be 'CsvRaggedRow'
        $ev[0].Exception.Message | Should -Match 'contacts\.csv:4'
        (Export-CrmData ./new.db -Entity contacts | ForEach-Object { $_.name }) -join ',' | Should -Be 'Ada,Grace,Alan,Edsger'
        Export-CrmData (Get-CrmTestRejectFile ./rejects contacts-malformed.csv) | ForEach-Object { [string]$_.Line + ' ' + $_.RejectReason + ' ' + $_.Raw } |
            Should -Be @('4 CsvRaggedRow 3,Bad,row,with,too,many')
        @(Get-CrmMigrationRecord ./new.db -ReasonCode CsvRaggedRow).Count | Should -Be 1
    }

    It '-PassThru gives one outcome per record instead of summaries' {
        New-CrmSampleData ./legacy.db -Seed 5 -Scale 300 | Out-Null
        $out = @(Copy-CrmData ./legacy.db ./new.db -Mapping $Map -Entity accounts -Create -PassThru -NoLedger)
        $out.Count | Should -Be 30
        $out | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmRecordOutcome; $_.Outcome | Should -Be 'Inserted' }
    }
}

Describe 'Copy-CrmData: a denormalised export into Account and Contact in one run' {
    BeforeAll {
        # A "contacts with their account" report as a legacy CRM exports it, in Windows-1252: the account's
        # columns repeat on every contact row; one contact has no last name.
        $script:Csv = New-CrmTestCsv -Path (Join-Path $TestDrive 'export/contacts_with_accounts.csv') -Encoding windows-1252 -Line @(
            'Contact ID,First Name,Last Name,Phone,Account ID,Account Name,Account City'
            'C001,Renée,Müller,+8613800138000,A01,Société Générale,Paris'
            'C002,José,Núñez,+34 600 000 001,A02,Café Olé,Málaga'
            'C003,Søren,Ødegård,,A01,Société Générale,Paris'
            'C004,Zoë,,+33 1 23 45 67 89,A03,Brûlerie,Lyon'
            'C005,Anaïs,Lefèvre,,A02,Café Olé,Málaga'
            'C006,Bjørn,Ærø,+45 12 34 56 78,A01,Société Générale,Paris'
        )
        $script:Map = Join-Path $TestDrive 'denormalised.psd1'
        Set-Content -LiteralPath $script:Map -Encoding utf8 -Value @'
@{
    Entities = @{
        Contact = @{
            Source = 'contacts_with_accounts'; Key = 'ContactId'
            Fields = @{
                ContactId = 'Contact ID'; FirstName = 'First Name'; Phone = 'Phone'
                LastName  = @{ Source = 'Last Name'; Required = $true }
                AccountId = @{ Source = 'Account ID'; Reference = 'Account' }
            }
        }
        Account = @{
            Source = 'contacts_with_accounts'; Key = 'AccountId'; OnRepeat = 'Merge'
            Fields = @{ AccountId = 'Account ID'; Name = 'Account Name'; City = 'Account City' }
        }
    }
}
'@
        $script:Source = New-CrmConnection Csv $script:Csv.FullName -Encoding windows-1252
        $script:Db = Join-Path $TestDrive 'new.db'
        $script:Summaries = @(Copy-CrmData -Source $script:Source -Target $script:Db -Mapping $script:Map -Create -RejectPath (Join-Path $TestDrive 'rejects') -ErrorVariable copyErrors -ErrorAction SilentlyContinue)
        $script:CopyErrors = @($copyErrors)
    }

    It 'writes each account once and every contact, with balanced books against the one source' {
        $account = $script:Summaries | Where-Object Entity -eq 'Account'
        $contact = $script:Summaries | Where-Object Entity -eq 'Contact'
        ($account.Read, $account.Inserted, $account.Merged, $account.Rejected) | Should -Be @(6, 3, 3, 0)
        ($contact.Read, $contact.Inserted, $contact.Rejected) | Should -Be @(6, 5, 1)
        $account.Balanced | Should -BeTrue
        $contact.Balanced | Should -BeTrue
        @($script:CopyErrors | Get-CrmTestErrorId) | Should -Be @('RecordRequiredFieldMissing')
    }

    It 'leaves the target as sqlite3 sees it: three accounts, contacts pointing at them, the accents intact' {
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql 'SELECT AccountId, Name, City FROM Account ORDER BY AccountId' |
            Should -Be @("A01`tSociété Générale`tParis", "A02`tCafé Olé`tMálaga", "A03`tBrûlerie`tLyon")
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Db -Sql 'SELECT ContactId, LastName, AccountId FROM Contact ORDER BY ContactId' |
            Should -Be @("C001`tMüller`tA01", "C002`tNúñez`tA02", "C003`tØdegård`tA01", "C005`tLefèvre`tA02", "C006`tÆrø`tA01")
    }

    It 'passes Test-CrmMigration, which checks both targets of the one source' {
        $results = @(Test-CrmMigration -Source $script:Source -Target $script:Db -Mapping $script:Map)
        @($results | Where-Object Status -eq 'Fail') | Should -HaveCount 0
        @($results | Where-Object Check -eq 'Count' | ForEach-Object Entity) | Should -Be @('contacts_with_accounts -> Account', 'contacts_with_accounts -> Contact')
        ($results | Where-Object { $_.Check -eq 'Count' -and $_.Entity -like '*Account' }).Details | Should -BeLike '*3 source row(s) repeat a key*'
        Test-CrmMigration -Source $script:Source -Target $script:Db -Mapping $script:Map -Quiet | Should -BeTrue
    }

    It 'records how it read the source in the ledger''s run parameters' {
        $run = Get-CrmMigrationRun $script:Db | Select-Object -Last 1
        $run.Parameters | Should -BeLike '*Encoding`[contacts_with_accounts.csv`]=windows-1252 (given)*'
    }

    It 'writes the run''s rejects into a folder named by its run id' {
        $runId = $script:Summaries[0].RunId
        $runId | Should -Not -BeNullOrEmpty
        @(Get-ChildItem (Join-Path $TestDrive 'rejects') -Directory | ForEach-Object Name) | Should -Be @($runId)
        $rejected = @(Export-CrmData -Path (Join-Path $TestDrive "rejects/$runId/contacts_with_accounts.csv"))
        $rejected.Count | Should -Be 1
        $rejected[0].'Contact ID' | Should -Be 'C004'
        $rejected[0].RejectReason | Should -Be 'RecordRequiredFieldMissing'
    }

    It 'gives a later run its own reject folder, and a run without rejects none' {
        $again = @(Copy-CrmData -Source $script:Source -Target $script:Db -Mapping $script:Map -Mode Upsert -RejectPath (Join-Path $TestDrive 'rejects') -ErrorAction SilentlyContinue)
        $clean = @(Copy-CrmData -Source $script:Source -Target $script:Db -Mapping $script:Map -Mode Upsert -Filter @{ 'Contact ID' = 'C001' } -RejectPath (Join-Path $TestDrive 'rejects'))
        ($again | Where-Object Entity -eq 'Contact').Skipped | Should -Be 5
        @(Get-ChildItem (Join-Path $TestDrive 'rejects') -Directory | ForEach-Object Name | Sort-Object) | Should -Be @(@($script:Summaries[0].RunId, $again[0].RunId) | Sort-Object)
        $clean[0].RunId | Should -Not -BeIn @(Get-ChildItem (Join-Path $TestDrive 'rejects') -Directory | ForEach-Object Name)
    }

    It 'stops before reading when -Filter names a field the source lacks' {
        { Copy-CrmData -Source $script:Source -Target (Join-Path $TestDrive 'f.db') -Mapping $script:Map -Create -Filter @{ 'Contry' = 'FR' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'FilterFieldNotFound*'
    }
}

Describe 'Copy-CrmData -FormulaEscape: files for people and files for machines' {
    BeforeAll {
        $script:Phones = New-CrmTestCsv -Path (Join-Path $TestDrive 'phones/contacts.csv') -Line @('Id,Phone,Note', '1,+8613800138000,=1+1', "2,-5,'quoted", '3,@home,plain')
    }

    It 'escapes text that starts like a formula by default, and writes it as it is with None; both read back as they were' {
        $forPeople = Join-Path $TestDrive 'people'
        $forMachines = Join-Path $TestDrive 'machines'
        Copy-CrmData $script:Phones.FullName $forPeople -NoLedger | Out-Null
        Copy-CrmData $script:Phones.FullName $forMachines -NoLedger -FormulaEscape None | Out-Null
        $people = [IO.File]::ReadAllText((Join-Path $forPeople 'contacts.csv'))
        $machines = [IO.File]::ReadAllText((Join-Path $forMachines 'contacts.csv'))
        $people | Should -BeLike "*'+8613800138000*"
        $machines | Should -BeLike "*`r`n1,+8613800138000,=1+1`r`n2,-5,'quoted`r`n3,@home,plain`r`n"
        (Get-Content -Raw (Join-Path $forMachines 'contacts.csv-metadata.json') | ConvertFrom-Json).'crm:formulaEscape' | Should -Be 'none'
        (Get-Content -Raw (Join-Path $forPeople 'contacts.csv-metadata.json') | ConvertFrom-Json).'crm:formulaEscape' | Should -Be "'"
        foreach ($folder in $forPeople, $forMachines) {
            $back = @(Export-CrmData -Path (Join-Path $folder 'contacts.csv'))
            @($back | ForEach-Object Phone) | Should -Be @('+8613800138000', '-5', '@home')
            @($back | ForEach-Object Note) | Should -Be @('=1+1', "'quoted", 'plain')
        }
    }
}

Describe 'Copy-CrmData -ReportPath' {

    Context '-ReportPath' {
        BeforeAll {
            $script:dir = Join-Path $TestDrive 'copy'
            New-Item -ItemType Directory $dir | Out-Null
            $script:legacy = Join-Path $dir 'legacy.db'
            $script:mapping = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'
            New-CrmSampleData -Path $legacy -Seed 5 -Scale 300 -Force | Out-Null
        }

        It 'writes the run''s report at its end: the same books as the summaries, the rejects by reason and their files' {
            $new = Join-Path $dir 'new.db'
            $report = Join-Path $dir 'run.json'
            $s = @(Copy-CrmData $legacy $new -Entity accounts, contacts -Mapping $mapping -Create -RejectPath (Join-Path $dir 'rejects') -ReportPath $report, (Join-Path $dir 'run.html') -ErrorAction SilentlyContinue)
            $j = Get-Content -Raw $report | ConvertFrom-Json
            $j.run.runId | Should -Be $s[0].RunId
            $j.run.status | Should -Be 'Completed'
            foreach ($summary in $s) {
                $e = $j.entities | Where-Object name -eq $summary.Entity
                @($e.read, $e.inserted, $e.rejected, $e.filtered) | Should -Be @($summary.Read, $summary.Inserted, $summary.Rejected, $summary.Filtered)
            }
            $contact = $j.entities | Where-Object name -eq 'Contact'
            $contact.rejected | Should -BeGreaterThan 0
            $contact.rejectFiles | Should -Contain (Join-Path $dir "rejects/$($s[0].RunId)/contacts.csv")
            Test-Path (Join-Path $dir "rejects/$($s[0].RunId)/contacts.csv") | Should -BeTrue
            $j.findings.code | Should -Contain 'NotValidated'
            $j.verdict | Should -Be 'PassedWithWarnings'
            Test-Path (Join-Path $dir 'run.html') | Should -BeTrue
        }

        It 'stops on an unknown report format before copying anything' {
            $new = Join-Path $dir 'never.db'
            { Copy-CrmData $legacy $new -Create -ReportPath (Join-Path $dir 'run.docx') -ErrorAction Stop } | Should -Throw -ErrorId 'ReportFormatUnknown,CrmMigration.Commands.CopyCrmDataCommand'
            Test-Path $new | Should -BeFalse
        }

        It 'writes no report under -WhatIf' {
            $report = Join-Path $dir 'whatif.html'
            Copy-CrmData $legacy (Join-Path $dir 'whatif.db') -Entity accounts -Create -ReportPath $report -WhatIf | Out-Null
            Test-Path $report | Should -BeFalse
        }

        It 'reports without a ledger from the summaries (-NoLedger)' {
            $report = Join-Path $dir 'noledger.json'
            $s = Copy-CrmData $legacy (Join-Path $dir 'noledger.db') -Entity accounts -Create -NoLedger -ReportPath $report
            $j = Get-Content -Raw $report | ConvertFrom-Json
            $j.run | Should -BeNullOrEmpty
            ($j.entities | Where-Object name -eq 'accounts').inserted | Should -Be $s.Inserted
        }
    }
}

Describe 'Copy-CrmData -Dedupe' {
    BeforeAll {
        $script:Root = Get-CrmTestRepoRoot
        $script:Map = Join-Path $script:Root 'examples/legacy-to-new.psd1'
        $script:Rules = Join-Path $script:Root 'examples/legacy-dedupe.psd1'
        $script:Legacy = Join-Path $TestDrive 'legacy.db'
        New-CrmSampleData $script:Legacy -Seed 23 -Scale 3000 | Out-Null
        $script:Copy = Join-Path $TestDrive 'copy.db'
        $script:Piped = Join-Path $TestDrive 'piped.db'
        $copyOut = @(Copy-CrmData $script:Legacy $script:Copy -Mapping $script:Map -Dedupe $script:Rules -Create -ReviewPath (Join-Path $TestDrive 'review') -Verbose -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 4>&1)
        $script:CopySummaries = @($copyOut | Where-Object { $_ -is [CrmMigration.CrmImportSummary] })
        $script:CopyVerbose = @($copyOut | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        $script:PipeSummaries = @(Export-CrmData $script:Legacy -Entity accounts, contacts, opportunities | Convert-CrmRecord -Mapping $script:Map -ErrorAction SilentlyContinue |
                Merge-CrmRecord -Rules $script:Rules -WarningAction SilentlyContinue | Import-CrmData $script:Piped -Create -ErrorAction SilentlyContinue)
    }

    It 'merges the same records as Merge-CrmRecord in the pipeline, and balances the books' {
        foreach ($e in 'Account', 'Contact', 'Opportunity') {
            $c = $script:CopySummaries | Where-Object Entity -eq $e
            $p = $script:PipeSummaries | Where-Object Entity -eq $e
            $c.Balanced | Should -BeTrue
            $c.Inserted | Should -Be $p.Inserted
            $c.Merged | Should -Be $p.Merged
        }
        ($script:CopySummaries | Where-Object Entity -eq 'Contact').Merged | Should -BeGreaterThan 10
        $a = @(Get-CrmMigrationRecord $script:Copy -Outcome Merged | ForEach-Object { "$($_.Entity) $($_.SourceKey)>$($_.TargetKey)" } | Sort-Object)
        $b = @(Get-CrmMigrationRecord $script:Piped -Outcome Merged | ForEach-Object { "$($_.Entity) $($_.SourceKey)>$($_.TargetKey)" } | Sort-Object)
        $a | Should -Be $b
    }

    It 're-points references to merged parents and writes the review file' {
        $merged = @(Get-CrmMigrationRecord $script:Copy -Entity Account -Outcome Merged)
        $merged.Count | Should -BeGreaterThan 0
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Copy -Sql "SELECT COUNT(*) FROM Opportunity WHERE AccountId IN ('$($merged.SourceKey -join "','")')" | Should -Be 0
        # The review file holds the grey-zone pairs the copy reported, one row each.
        $line = $script:CopyVerbose | Where-Object { $_ -match '^(\d+) pair\(s\) written to the review file' }
        $line | Should -Not -BeNullOrEmpty
        $written = [int]([regex]::Match($line, '^\d+').Value)
        $review = ($script:CopyVerbose | Where-Object { $_ -like 'Dedupe Contact:*' }) -replace '.*review pairs (\d+).*', '$1'
        $rows = if (Test-Path (Join-Path $TestDrive 'review/Contact.csv')) { @(Import-Csv (Join-Path $TestDrive 'review/Contact.csv')).Count } else { 0 }
        $rows | Should -Be ([int]$review)
        $written | Should -BeGreaterOrEqual $rows
    }

    It 'passes Test-CrmMigration' {
        @(Test-CrmMigration -Source $script:Legacy -Target $script:Copy -Mapping $script:Map | Where-Object Status -eq 'Fail') | Should -BeNullOrEmpty
    }

    It 'refuses a file row without its key before the dedupe, as a copy without -Dedupe does' {
        # An export with two rows that lost their key: one is the same person as C1 (the dedupe would have merged it, under no key).
        $dir = Join-Path $TestDrive 'keyless'
        New-Item -ItemType Directory $dir | Out-Null
        $csv = Join-Path $dir 'contacts.csv'
        [IO.File]::WriteAllText($csv, "Id,FirstName,LastName,Email,Phone`r`nC1,John,Smith,john.smith@example.com,+86 138-0013-8000`r`n,John,Smith,john.smith@example.com,+86 138-0013-8000`r`nC3,Mary,Jones,mary@example.com,+86 139-0000-1111`r`n,Ann,Lee,ann@example.com,+86 137-2222-3333`r`n")
        $rules = Join-Path $dir 'rules.psd1'
        Set-Content $rules "@{ Version = 1; Entities = @{ contacts = @{ Fields = [ordered]@{ Name = @{ Source = 'FirstName', 'LastName'; Normalize = 'Name'; Compare = 'TokenSet'; Weight = 3 }; Email = @{ Source = 'Email'; Compare = 'Email'; Weight = 4 }; Phone = @{ Source = 'Phone'; Compare = 'Phone'; Weight = 4 } }; Blocking = @('Email'); Thresholds = @{ Match = 0.75; Review = 0.7 } } } }"
        $db = Join-Path $dir 'deduped.db'
        $s = Copy-CrmData $csv $db -Create -Dedupe $rules -ErrorVariable refused -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $s.Read | Should -Be 4
        $s.Inserted | Should -Be 2
        $s.Merged | Should -Be 0
        $s.Rejected | Should -Be 2
        $s.Balanced | Should -BeTrue
        @($refused | ForEach-Object { $_.FullyQualifiedErrorId -replace ',.*' }) | Should -Be @('RecordKeyMissing', 'RecordKeyMissing')
        @(Get-CrmMigrationRecord $db -Outcome Rejected | ForEach-Object { Split-Path -Leaf $_.SourceKey }) | Sort-Object | Should -Be @('contacts.csv:3', 'contacts.csv:5')
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'SELECT group_concat(Id) FROM (SELECT Id FROM contacts ORDER BY Id)' | Should -Be 'C1,C3'
    }

    It 'stops before reading with <Id> when <Case>' -ForEach @(
        @{ Case = '-MatchTarget is asked without -Mode Upsert'; Id = 'DedupeTargetNeedsUpsert'; Extra = @{ Dedupe = 'RULES'; MatchTarget = $true } }
        @{ Case = '-ReviewPath is given without -Dedupe'; Id = 'DedupeRulesMissing'; Extra = @{ ReviewPath = 'x' } }
        @{ Case = 'the rules name an unknown comparator'; Id = 'DedupeRulesUnknownComparator'; Extra = @{ Dedupe = @{ Entities = @{ Contact = @{ Fields = @{ Email = 'Soundex' }; Blocking = 'Email' } } } } }
    ) {
        $params = @{}
        foreach ($k in $Extra.Keys) { $params[$k] = if ($Extra[$k] -is [string] -and $Extra[$k] -eq 'RULES') { $script:Rules } else { $Extra[$k] } }
        $target = Join-Path $TestDrive ("stop-" + [Guid]::NewGuid().ToString('N') + '.db')
        $err = $null
        try { Copy-CrmData $script:Legacy $target -Mapping $script:Map -Create @params -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err | Get-CrmTestErrorId | Should -Be $Id
        Test-Path $target | Should -BeFalse
    }

    It 'matches against the target with -MatchTarget: a second copy of the same data merges into what is there' {
        $again = @(Copy-CrmData $script:Legacy $script:Copy -Entity contacts -Mapping $script:Map -Dedupe $script:Rules -MatchTarget -Mode Upsert -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        $c = $again | Where-Object Entity -eq 'Contact'
        $c.Balanced | Should -BeTrue
        $c.Inserted | Should -Be 0
        $before = ($script:CopySummaries | Where-Object Entity -eq 'Contact').Inserted
        Invoke-CrmTestSql -Kind Sqlite -Database $script:Copy -Sql 'SELECT COUNT(*) FROM Contact' | Should -Be $before
    }
}

Describe 'Copy-CrmData into SaaS load files and back' {
    BeforeAll {
        $script:root = Join-Path $TestDrive 'saas'
        New-Item -ItemType Directory -Path $root | Out-Null
        New-CrmSampleData -Path (Join-Path $root 'legacy.db') -Seed 11 -Scale 300 | Out-Null
        $script:canonical = Join-Path $root 'canonical.db'
        Copy-CrmData (Join-Path $root 'legacy.db') $canonical -Mapping (Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-saas.psd1') -Create -NoLedger -WarningAction SilentlyContinue | Out-Null

        # Every canonical record read back identical: same keys, same fields with the same values and CLR types, nulls as nulls.
        function script:Assert-SameRecords([string] $Entity, $Target, [string[]] $Ignore = @()) {
            $expected = @{}
            foreach ($r in Export-CrmData $canonical -Entity $Entity) { $expected[$r.GetKey().ToString()] = $r }
            $actual = @(Export-CrmData $Target -Entity $Entity)
            $actual.Count | Should -Be $expected.Count -Because "$Entity keeps every record"
            foreach ($a in $actual) {
                $key = $a.GetKey().ToString()
                $e = $expected[$key]
                $e | Should -Not -BeNullOrEmpty -Because "$Entity key $key came from the source"
                foreach ($p in $e.PSObject.Properties) {
                    if ($Ignore -contains $p.Name) { continue }
                    $got = $a.PSObject.Properties[$p.Name]
                    if ($null -eq $p.Value -or ($p.Value -is [string] -and $p.Value.Length -eq 0)) {  # empty text: these products store null
                        if ($got) { $got.Value | Should -BeNullOrEmpty -Because "$Entity $key $($p.Name) is null" }
                        continue
                    }
                    $got | Should -Not -BeNullOrEmpty -Because "$Entity $key has $($p.Name)"
                    $got.Value | Should -Be $p.Value -Because "$Entity $key $($p.Name)"
                    $got.Value.GetType() | Should -Be $p.Value.GetType() -Because "$Entity $key $($p.Name) keeps its type"
                }
            }
        }
    }

    It 'writes Salesforce Bulk API CSV byte-exact and reads every entity back identical' {
        $sf = New-CrmConnection Salesforce (Join-Path $root 'sf')
        $summaries = Copy-CrmData $canonical $sf -NoLedger -WarningVariable warnings
        ($summaries | Measure-Object Rejected -Sum).Sum | Should -Be 0
        $warnings | Where-Object { "$_" -like 'Test-CrmFile: Error*' } | Should -BeNullOrEmpty
        $bytes = [IO.File]::ReadAllBytes((Join-Path $root 'sf/Contact.csv'))
        $bytes[0] | Should -Not -Be 0xEF -Because 'no byte order mark'
        $text = [Text.Encoding]::UTF8.GetString($bytes)
        $text.Contains("`r") | Should -BeFalse -Because 'LF line endings throughout'
        $text.Split("`n")[0] | Should -BeLike 'Legacy_Id__c,Account.Legacy_Id__c,FirstName,LastName,*'
        $text | Should -Not -Match ",'[=+@-]" -Because 'no formula escaping in a machine file'
        (Get-Content (Join-Path $root 'sf/Opportunity.csv') -TotalCount 2)[1] | Should -Match '^O\d+,A\d+,[^,]*,(Prospecting|Qualification|Proposal/Price Quote|Negotiation/Review|Closed Won|Closed Lost),\d+(\.\d+)?,\d{4}-\d{2}-\d{2},'
        foreach ($entity in 'Account', 'Contact', 'Opportunity', 'Case', 'Activity') { Assert-SameRecords $entity $sf }
        # Salesforce stores no empty text (an empty value is null), so the check is asked to treat them as equal.
        (Test-CrmMigration -Source $canonical -Target $sf -NullEqualsEmpty | Where-Object Status -ne 'Pass') | Should -BeNullOrEmpty
    }

    It 'splits a Salesforce file before its size limit and reads the parts as one object' {
        $sf = New-CrmConnection Salesforce (Join-Path $root 'sf-split')
        $sf.Options['MaxFileBytes'] = '4000'
        Copy-CrmData $canonical $sf -Entity Contact -NoLedger -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        $parts = @(Get-ChildItem (Join-Path $root 'sf-split') -Filter 'Contact*.csv')
        $parts.Count | Should -BeGreaterThan 3
        foreach ($p in $parts) { $p.Length | Should -BeLessOrEqual 4000 }
        @(Export-CrmData $sf -Entity Contact).Count | Should -Be @(Export-CrmData $canonical -Entity Contact).Count
    }

    It 'writes an sf data tree plan (200 records per file, parents first) and reads it back identical' {
        $plan = New-CrmConnection Salesforce (Join-Path $root 'tree/data-plan.json')
        Copy-CrmData $canonical $plan -Entity Account, Contact -NoLedger -WarningVariable warnings | Out-Null
        $warnings | Where-Object { "$_" -like 'Test-CrmFile: Error*' } | Should -BeNullOrEmpty
        $entries = Get-Content (Join-Path $root 'tree/data-plan.json') -Raw | ConvertFrom-Json
        $entries.sobject | Should -Be @('Account', 'Contact')
        $entries[1].files | Should -Be @('Contact.json', 'Contact-2.json')
        $entries[1].resolveRefs | Should -BeTrue
        $file = Get-Content (Join-Path $root 'tree/Contact.json') -Raw | ConvertFrom-Json
        $file.records.Count | Should -Be 200
        $file.records[0].attributes.type | Should -Be 'Contact'
        $file.records[0].AccountId | Should -BeLike '@AccountRef_*'
        foreach ($entity in 'Account', 'Contact') { Assert-SameRecords $entity $plan }
    }

    It 'writes a Dynamics 365 Configuration Migration zip with stable GUIDs and reads it back identical' {
        $zip = Join-Path $root 'd365.zip'
        Copy-CrmData $canonical (New-CrmConnection Dynamics $zip) -NoLedger -WarningVariable warnings | Out-Null
        $warnings | Where-Object { "$_" -like 'Test-CrmFile: Error*' } | Should -BeNullOrEmpty
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $archive = [IO.Compression.ZipFile]::OpenRead($zip)
        try {
            ($archive.Entries.FullName | Sort-Object) | Should -Be (@('[Content_Types].xml', 'data.xml', 'data_schema.xml') | Sort-Object)
            $reader = [IO.StreamReader]::new($archive.GetEntry('data.xml').Open()); [xml] $data = $reader.ReadToEnd(); $reader.Dispose()
            $reader = [IO.StreamReader]::new($archive.GetEntry('data_schema.xml').Open()); [xml] $schema = $reader.ReadToEnd(); $reader.Dispose()
        }
        finally { $archive.Dispose() }
        $account = $schema.entities.entity | Where-Object name -eq 'account'
        $account.primaryidfield | Should -Be 'accountid'
        ($account.fields.field | Where-Object name -eq 'new_legacyid').updateCompare | Should -Be 'true'
        $contact = ($data.entities.entity | Where-Object name -eq 'contact').records.record | Select-Object -First 1
        $lookup = $contact.field | Where-Object name -eq 'parentcustomerid'
        $lookup.lookupentity | Should -Be 'account'
        $lookup.lookupentityname | Should -Not -BeNullOrEmpty
        $task = ($data.entities.entity | Where-Object name -eq 'task').records.record | Select-Object -First 1
        ($task.field | Where-Object name -eq 'scheduledend').value | Should -Match '^\d{4}-\d{2}-\d{2}T00:00:00\.0000000Z$'
        # The same source key gives the same id on every export (version 5 UUID).
        $first = ($data.entities.entity | Where-Object name -eq 'account').records.record[0].id
        Copy-CrmData $canonical (New-CrmConnection Dynamics (Join-Path $root 'again.zip')) -Entity Account -NoLedger -WarningAction SilentlyContinue | Out-Null
        (Get-CrmSchema (Join-Path $root 'again.zip')).Name | Should -Be @('Account')
        $firstKey = (Export-CrmData $zip -Entity Account | Select-Object -First 1).Id
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $a2 = [IO.Compression.ZipFile]::OpenRead((Join-Path $root 'again.zip'))
        try { $r2 = [IO.StreamReader]::new($a2.GetEntry('data.xml').Open()); [xml] $data2 = $r2.ReadToEnd(); $r2.Dispose() } finally { $a2.Dispose() }
        (($data2.entities.entity | Where-Object name -eq 'account').records.record | Where-Object { ($_.field | Where-Object name -eq 'new_legacyid').value -eq $firstKey }).id | Should -Be $first
        $first | Should -Match '^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
        foreach ($entity in 'Account', 'Contact', 'Opportunity', 'Case', 'Activity') { Assert-SameRecords $entity $zip }
    }

    It 'writes HubSpot import files with associations by a common column and reads them back identical' {
        $hs = New-CrmConnection HubSpot (Join-Path $root 'hs')
        Copy-CrmData $canonical $hs -Entity Account, Contact, Opportunity, Case -NoLedger -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        # The sample CRM has contacts sharing an e-mail address: HubSpot would merge them, so the check says so.
        $warnings | Where-Object { "$_" -like 'Test-CrmFile: Error HubSpotDuplicateEmail*' } | Should -Not -BeNullOrEmpty
        (Get-Content (Join-Path $root 'hs/contacts.csv') -TotalCount 1) | Should -BeLike 'legacy_contact_id,legacy_company_id,firstname,lastname,email,*'
        (Get-Content (Join-Path $root 'hs/companies.csv') -TotalCount 1) | Should -BeLike 'legacy_company_id,name,*'
        (Get-Content (Join-Path $root 'hs/deals.csv') -TotalCount 2)[1] | Should -Match '^O\d+,default,A\d+,.*,(appointmentscheduled|qualifiedtobuy|presentationscheduled|contractsent|closedwon|closedlost),'
        [IO.File]::ReadAllText((Join-Path $root 'hs/deals.csv')) | Should -Match "`r`n"
        foreach ($entity in 'Account', 'Contact', 'Opportunity', 'Case') { Assert-SameRecords $entity $hs }
    }
}

Describe 'Copy-CrmData: resuming a CSV copy where it stopped' {
    BeforeAll {
        $script:Work = New-Item -ItemType Directory (Join-Path $TestDrive 'resume-csv')
        # 20,000 contacts as a spreadsheet saves them: BOM, CRLF, a quoted two-line note every 9th row, Chinese names,
        # every 40th address invalid.
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add('contact_id,name,email,note')
        foreach ($i in 1..20000) {
            $note = if ($i % 9 -eq 0) { "`"line one`r`nline two, $i`"" } else { "note $i" }
            $mail = if ($i % 40 -eq 0) { 'not-an-address' } else { "p$i@example.com" }
            $lines.Add(('C{0:D6},张伟{0},{1},{2}' -f $i, $mail, $note))
        }
        New-CrmTestCsv -Path (Join-Path $script:Work 'in/contacts.csv') -Line $lines -Bom | Out-Null
        Set-Content -LiteralPath (Join-Path $script:Work 'map.psd1') -Encoding utf8 -Value @'
@{ Entities = @{ Person = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{
    Id = 'contact_id'; Name = 'name'; Email = @{ Source = 'email'; Transform = 'Email' }; Note = 'note' } } } }
'@
    }

    It 'seeks past the rows the killed run recorded, writes its first new record at once, and the books end exact' {
        $copy = 'Copy-CrmData -Source ./in/contacts.csv -Target ./new.db -Mapping ./map.psd1 -Create -BatchSize 500'
        # The first process dies (SIGKILL) right after the ledger recorded its 30th batch.
        $killed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:30' } -Script "$copy -ErrorAction SilentlyContinue | Out-Null"
        $killed.ExitCode | Should -Not -Be 0
        $landed = [int](Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $script:Work 'new.db') -Sql 'SELECT count(*) FROM Person')
        $landed | Should -BeGreaterThan 10000

        $resumed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Script "$copy -Resume -Verbose -ErrorAction SilentlyContinue 4>&1 | ForEach-Object { `"`$_`" }"
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
        $text = $resumed.Output -join "`n"
        $text | Should -Match 'contacts: resumed after row [\d,]+ \(line [\d,]+, byte [\d,]+\)'
        $text | Should -Match 'first new record written \d+\.\d+ s after the restart'
        [int]($text | Select-String 'resumed after row ([\d,]+)').Matches[0].Groups[1].Value.Replace(',', '') | Should -BeGreaterThan 10000

        # What the target holds, asked with sqlite3: every valid row once, the two-line notes whole.
        $db = Join-Path $script:Work 'new.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'SELECT count(*), count(DISTINCT Id) FROM Person' | Should -Be "19500`t19500"
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql "SELECT Note = 'line one' || char(13, 10) || 'line two, 19998' FROM Person WHERE Id = 'C019998'" | Should -Be '1'
        $run = Get-CrmMigrationRun -Target $db
        $run.Balanced | Should -BeTrue
        $run.Attempts | Should -Be 2
        $person = $run.Entities | Where-Object Entity -eq 'Person'
        $person.Read | Should -Be 20000
        $person.Inserted | Should -Be 19500
        $person.Rejected | Should -Be 500
    }

    It 'resumes a copy killed after the target took a batch of rows among rejected ones and before the ledger did' {
        # Every batch of 500 holds 12 or 13 invalid addresses: the rows around them take the batch lane, the rejects wait among them.
        $copy = 'Copy-CrmData -Source ./in/contacts.csv -Target ./cut.db -Mapping ./map.psd1 -Create -BatchSize 500 -RejectPath ./cut-rejects'
        $killed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Environment @{ CRMMIGRATION_FAULT = 'after-target:30' } -Script "$copy -ErrorAction SilentlyContinue | Out-Null"
        $killed.ExitCode | Should -Not -Be 0
        $db = Join-Path $script:Work 'cut.db'
        # Batch 30 is in the target (29 recorded batches of 500 less their rejects, and batch 30's rows), not in the ledger.
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'SELECT count(*) FROM Person' | Should -Be ([string](30 * 500 - 30 * 500 / 40))

        $resumed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Script "$copy -Resume -ErrorAction SilentlyContinue | Out-Null"
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'SELECT count(*), count(DISTINCT Id) FROM Person' | Should -Be "19500`t19500"
        $run = Get-CrmMigrationRun -Target $db
        $run.Balanced | Should -BeTrue
        $run.Attempts | Should -Be 2
        $person = $run.Entities | Where-Object Entity -eq 'Person'
        $person.Read | Should -Be 20000
        $person.Rejected | Should -Be 500
        $person.Inserted + $person.Updated + $person.Skipped | Should -Be 19500
        # One outcome per source row, each invalid address rejected once.
        @(Get-CrmMigrationRecord -Target $db).Count | Should -Be 20000
        @(Get-CrmMigrationRecord -Target $db -Outcome Rejected | Where-Object ReasonCode -eq 'RecordInvalidEmail').Count | Should -Be 500
    }
}

Describe 'Copy-CrmData: resuming a database or Excel copy where it stopped' -Tag 'Resume' {
    BeforeAll {
        $script:Servers = [Collections.Generic.List[object]]::new()
        # The kill-and-resume steps for every source: a child process copies into SQLite and dies (SIGKILL) right after the
        # ledger recorded its 30th batch of 500; the same command with -Resume finishes; returns the resumed run's text.
        function Invoke-KilledAndResumed([string] $Work, [string] $Source, [string] $Target) {
            $copy = "$Source; Copy-CrmData -Source `$src -Target ./$Target -Create -BatchSize 500"
            $killed = Invoke-CrmTestChild -WorkingDirectory $Work -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:30' } -Script "$copy -ErrorAction SilentlyContinue | Out-Null"
            $killed.ExitCode | Should -Not -Be 0
            $resumed = Invoke-CrmTestChild -WorkingDirectory $Work -Script "$copy -Resume -Verbose -ErrorAction SilentlyContinue 3>&1 4>&1 | ForEach-Object { `"`$_`" }"
            $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
            $resumed.Output -join "`n"
        }
        # What the target holds, asked with sqlite3, and the run's books: every source row exactly once.
        function Assert-EveryRowOnce([string] $Db, [string] $Table, [string] $KeySql, [int] $Rows) {
            Invoke-CrmTestSql -Kind Sqlite -Database $Db -Sql "SELECT count(*), count(DISTINCT $KeySql) FROM `"$Table`"" | Should -Be "$Rows`t$Rows"
            $run = Get-CrmMigrationRun -Target $Db
            $run.Balanced | Should -BeTrue
            $run.Attempts | Should -Be 2
            $books = $run.Entities | Where-Object Entity -eq $Table
            $books.Read | Should -Be $Rows
            $books.Inserted | Should -Be $Rows
            $books.Rejected | Should -Be 0
        }
        function Get-ResumedRow([string] $Text) {
            $found = $Text | Select-String 'contacts: resumed after row ([\d,]+) \((key|sheet row) '
            $found | Should -Not -BeNullOrEmpty -Because $Text
            [int]$found.Matches[0].Groups[1].Value.Replace(',', '')
        }
    }
    AfterAll { $script:Servers | Remove-CrmTestDatabase }

    It 'a PostgreSQL table resumes after the last key the ledger recorded and ends exact' {
        $work = New-CrmTestFolder 'resume-pg'
        $pg = New-CrmTestDatabase -Kind PostgreSql; $Servers.Add($pg)
        # As a DBA fills it with psql: an integer key inserted out of order, Chinese names, a timestamp with a zone.
        Invoke-CrmTestSql -Kind PostgreSql -Database $pg -Sql @'
CREATE TABLE contacts (contact_id integer PRIMARY KEY, name text NOT NULL, email varchar(80), created timestamptz);
INSERT INTO contacts SELECT (i * 7919) % 20000 + 1, '张伟' || i, 'p' || i || '@example.com', timestamptz '2024-03-05 10:11:12+08' + i * interval '1 minute' FROM generate_series(0, 19999) AS i;
'@ | Out-Null
        $source = "`$src = New-CrmConnection -Provider PostgreSql -Server `$env:CRM_PG_HOST -Port `$env:CRM_PG_PORT -Database $($pg.Name) -Credential ([pscredential]::new(`$env:CRM_PG_USER, (ConvertTo-SecureString `$env:CRM_PG_PASSWORD -AsPlainText -Force)))"
        $text = Invoke-KilledAndResumed $work $source 'pg.db'
        $text | Should -Match 'contacts: resumed after row [\d,]+ \(key \d+\)'
        $text | Should -Match 'first new record written \d+\.\d+ s after the restart'
        $text | Should -Not -Match 'read again from the start'
        Get-ResumedRow $text | Should -BeGreaterOrEqual 14000
        Assert-EveryRowOnce (Join-Path $work 'pg.db') contacts 'contact_id' 20000
        Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $work 'pg.db') -Sql 'SELECT name FROM contacts WHERE contact_id = 1' | Should -Be '张伟0'
    }

    It 'a MariaDB table with a text key resumes after its last key and ends exact' {
        $work = New-CrmTestFolder 'resume-my'
        $my = New-CrmTestDatabase -Kind MySql; $Servers.Add($my)
        Invoke-CrmTestSql -Kind MySql -Database $my -Sql @'
CREATE TABLE contacts (contact_id varchar(12) NOT NULL PRIMARY KEY, name varchar(60) NOT NULL, email varchar(80), score int) ENGINE=InnoDB;
INSERT INTO contacts SELECT CONCAT('C', LPAD((seq * 7919) % 20000 + 1, 6, '0')), CONCAT('李娜', seq), CONCAT('p', seq, '@example.com'), seq % 100 FROM seq_0_to_19999;
'@ | Out-Null
        $source = "`$src = New-CrmConnection -Provider MySql -Server `$env:CRM_MY_HOST -Port `$env:CRM_MY_PORT -Database $($my.Name) -Credential ([pscredential]::new(`$env:CRM_MY_USER, (ConvertTo-SecureString `$env:CRM_MY_PASSWORD -AsPlainText -Force)))"
        $text = Invoke-KilledAndResumed $work $source 'my.db'
        $text | Should -Match 'contacts: resumed after row [\d,]+ \(key C\d{6}\)'
        Get-ResumedRow $text | Should -BeGreaterOrEqual 14000
        Assert-EveryRowOnce (Join-Path $work 'my.db') contacts 'contact_id' 20000
    }

    It 'a SQLite table with a composite key resumes after its last key and ends exact' {
        $work = New-CrmTestFolder 'resume-sqlite'
        # Written with sqlite3, rows in an order that is not the key's.
        Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $work 'legacy.db') -Sql @'
CREATE TABLE contacts (region TEXT NOT NULL, seq INTEGER NOT NULL, name TEXT, PRIMARY KEY (region, seq));
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999)
INSERT INTO contacts SELECT 'R' || ((i * 7919) % 20000 % 7), (i * 7919) % 20000, 'Name ' || i FROM n;
'@ | Out-Null
        $text = Invoke-KilledAndResumed $work "`$src = './legacy.db'" 'new.db'
        $text | Should -Match 'contacts: resumed after row [\d,]+ \(key R\d\|\d+\)'
        Get-ResumedRow $text | Should -BeGreaterOrEqual 14000
        Assert-EveryRowOnce (Join-Path $work 'new.db') contacts "region || '/' || seq" 20000
    }

    It 'an .xlsx workbook written by another library resumes after its sheet row and ends exact' {
        $work = New-CrmTestFolder 'resume-xlsx'
        if (-not ('MiniExcelLibs.MiniExcel' -as [type])) { Add-Type -Path (Join-Path (Get-CrmTestNuGetPackage -Id MiniExcel -Version 1.46.0) 'lib/net8.0/MiniExcel.dll') }
        $rows = [Collections.Generic.List[object]]::new()
        foreach ($i in 1..20000) { $rows.Add([ordered]@{ Id = 'C{0:D6}' -f $i; Name = "王芳$i"; Email = "p$i@example.com"; Score = $i % 100 }) }
        [MiniExcelLibs.MiniExcel]::SaveAs((Join-Path $work 'crm.xlsx'), $rows, $true, 'contacts')
        $text = Invoke-KilledAndResumed $work "`$src = './crm.xlsx'" 'xl.db'
        $text | Should -Match 'contacts: resumed after row [\d,]+ \(sheet row [\d,]+\)'
        Get-ResumedRow $text | Should -BeGreaterOrEqual 14000
        Assert-EveryRowOnce (Join-Path $work 'xl.db') contacts 'Id' 20000
    }

    It 'a table without a key, mapped to one, resumes by row: the rows before are read but not mapped' {
        $work = New-CrmTestFolder 'resume-keyless'
        # A log-style table with no primary key, written with sqlite3; the mapping keys its records by their ticket number.
        Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $work 'legacy.db') -Sql @'
CREATE TABLE tickets (ticket_no TEXT, subject TEXT, opened TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO tickets SELECT printf('T%06d', i), 'Subject ' || i, '2024-03-05' FROM n;
'@ | Out-Null
        Set-Content -LiteralPath (Join-Path $work 'map.psd1') -Encoding utf8 -Value @'
@{ Entities = @{ Case = @{ Source = 'tickets'; Key = 'CaseNo'; Fields = [ordered]@{
    CaseNo = 'ticket_no'; Title = @{ Source = 'subject'; Transform = 'Upper' }; Opened = @{ Source = 'opened'; Type = 'Date' } } } } }
'@
        $copy = 'Copy-CrmData -Source ./legacy.db -Target ./new.db -Mapping ./map.psd1 -Create -BatchSize 500'
        (Invoke-CrmTestChild -WorkingDirectory $work -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:30' } -Script "$copy -ErrorAction SilentlyContinue | Out-Null").ExitCode | Should -Not -Be 0
        $resumed = Invoke-CrmTestChild -WorkingDirectory $work -Script "$copy -Resume -Verbose 3>&1 4>&1 | ForEach-Object { `"`$_`" }"
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
        $text = $resumed.Output -join "`n"
        $text | Should -Match 'tickets: resumed after row [\d,]+ \(read, not mapped, up to it'
        $text | Should -Not -Match 'read again from the start'
        $db = Join-Path $work 'new.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'SELECT count(*), count(DISTINCT CaseNo) FROM "Case"' | Should -Be "20000`t20000"
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql "SELECT Title FROM ""Case"" WHERE CaseNo = 'T020000'" | Should -Be 'SUBJECT 20000'
        $run = Get-CrmMigrationRun -Target $db
        $run.Balanced | Should -BeTrue
        ($run.Entities | Where-Object Entity -eq 'Case').Read | Should -Be 20000
    }

    It 'a table changed under the position is read again from the start, with a warning, and still ends exact' {
        $work = New-CrmTestFolder 'resume-changed'
        $db = Join-Path $work 'legacy.db'
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql @'
CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) INSERT INTO contacts SELECT i, 'Name ' || i FROM n;
'@ | Out-Null
        $copy = "Copy-CrmData -Source ./legacy.db -Target ./new.db -Create -BatchSize 500"
        (Invoke-CrmTestChild -WorkingDirectory $work -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:30' } -Script "$copy -ErrorAction SilentlyContinue | Out-Null").ExitCode | Should -Not -Be 0
        # Someone deletes a row the killed run had copied: the rows up to the saved key are one fewer.
        Invoke-CrmTestSql -Kind Sqlite -Database $db -Sql 'DELETE FROM contacts WHERE id = 5' | Out-Null
        $resumed = Invoke-CrmTestChild -WorkingDirectory $work -Script "$copy -Resume -Verbose 3>&1 4>&1 | ForEach-Object { `"`$_`" }"
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
        $text = $resumed.Output -join "`n"
        $text | Should -Match 'contacts: [\d,]+ rows lie up to the position''s key now, [\d,]+ did when it was saved, so it is read again from the start'
        $text | Should -Not -Match 'resumed after row'
        # The row copied before it was deleted stays in the target (a delta run reports it deleted).
        Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $work 'new.db') -Sql 'SELECT count(*), count(DISTINCT id) FROM contacts' | Should -Be "20000`t20000"
        (Get-CrmMigrationRun -Target (Join-Path $work 'new.db')).Balanced | Should -BeTrue
    }
}

Describe 'Copy-CrmData -Incremental: delta runs' {
    BeforeAll {
        # The source as its CRM keeps it (written with sqlite3, not by us): a modified-at column on accounts and contacts,
        # none on notes (the ledger's fingerprints find its changes).
        function New-DeltaSource([string] $Path) {
            $rows = foreach ($i in 1..40) { "($i, $([math]::Ceiling($i / 10)), 'p$i@example.org', 0, '2021-01-$('{0:d2}' -f (1 + $i % 28))T08:00:00Z')" }
            Invoke-CrmTestSql -Kind Sqlite -Database $Path -Sql @"
CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT NOT NULL, date_modified TEXT);
CREATE TABLE contacts (id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts(id), email TEXT, is_deleted INTEGER, updated_at TEXT);
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO accounts VALUES (1, 'Acme', '2020-05-01T00:00:00Z'), (2, 'Globex', '2020-06-01T00:00:00Z'), (3, 'Initech', '2020-07-01T00:00:00Z'), (4, 'Umbrella', '2020-08-01T00:00:00Z');
INSERT INTO contacts VALUES $($rows -join ', ');
INSERT INTO notes VALUES (1, 'one'), (2, 'two'), (3, 'three');
"@ | Out-Null
        }
        # Between the runs the CRM goes on: 2 contacts added, 3 changed, 2 deleted; a note added, one changed, one deleted.
        function Update-DeltaSource([string] $Path) {
            Invoke-CrmTestSql -Kind Sqlite -Database $Path -Sql @"
INSERT INTO contacts VALUES (41, 1, 'new41@example.org', 0, '2030-01-01T00:00:00Z'), (42, 4, 'new42@example.org', 0, '2030-01-01T00:00:01Z');
UPDATE contacts SET email = 'changed' || id || '@example.org', updated_at = '2030-01-02T00:00:00Z' WHERE id IN (3, 17, 29);
DELETE FROM contacts WHERE id IN (8, 33);
INSERT INTO notes VALUES (4, 'four');
UPDATE notes SET body = 'TWO' WHERE id = 2;
DELETE FROM notes WHERE id = 3;
"@ | Out-Null
        }
        function Get-Rows($Kind, $Database, [string] $Table, [string] $Columns) {
            $q = if ($Kind -eq 'MySql') { "``$Table``" } else { "`"$Table`"" }
            Invoke-CrmTestSql -Kind $Kind -Database $Database -Sql "SELECT $Columns FROM $q ORDER BY id;"
        }
        function Get-AllRows($Kind, $Database) {
            @{
                accounts = Get-Rows $Kind $Database accounts 'id, name, date_modified'
                contacts = Get-Rows $Kind $Database contacts 'id, account_id, email, is_deleted, updated_at'
                notes    = Get-Rows $Kind $Database notes 'id, body'
            }
        }
    }

    Context 'into <Kind>' -ForEach @(@{ Kind = 'Sqlite' }, @{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
        BeforeAll {
            $script:Src = Join-Path $TestDrive "delta-src-$Kind.db"
            New-DeltaSource $Src
            if ($Kind -eq 'Sqlite') { $script:Db = $null; $script:Name = Join-Path $TestDrive "delta-target.db"; $script:Conn = New-CrmConnection -Provider Sqlite -Path $Name }
            else { $script:Db = New-CrmTestDatabase -Kind $Kind; $script:Name = $Db.Name; $script:Conn = $Db.Connection }
            $script:State = Join-Path $TestDrive "delta-ledger-$Kind.sqlite"
            $script:Bulk = @(Copy-CrmData $Src $Conn -Create -StatePath $State)
            $script:AfterBulk = Get-AllRows $Kind $Name
            Update-DeltaSource $Src
            $script:Delta = @(Copy-CrmData $Src $Conn -Incremental -DeletedRecords Delete -StatePath $State -Verbose 4>&1)
        }
        AfterAll { if ($Db) { Remove-CrmTestDatabase $Db } }

        It 'leaves the target equal to the source' {
            $now = Get-AllRows $Kind $Name
            $src = Get-AllRows 'Sqlite' $Src
            foreach ($t in 'accounts', 'contacts', 'notes') { ($now[$t] -join "`n") | Should -Be ($src[$t] -join "`n") -Because $t }
        }

        It 'carries only the changed records (watermark) and finds the deletions; the books balance' {
            $books = @{}; $Delta | Where-Object { $_ -is [CrmMigration.CrmImportSummary] } | ForEach-Object { $books[$_.Entity] = $_ }
            # 2 new, 3 changed, 2 deleted, and 1 unchanged one modified within the overlap before the watermark (read again, skipped)
            $c = $books['contacts']
            ($c.Read, $c.Inserted, $c.Updated, $c.Deleted, $c.Skipped) | Should -Be @(8, 2, 3, 2, 1)
            # no account changed: only the newest one, at the watermark, is read again (and skipped as unchanged)
            ($books['accounts'].Read, $books['accounts'].Skipped) | Should -Be @(1, 1)
            # notes have no modified-at column: all read, the unchanged one skipped by its fingerprint
            $n = $books['notes']
            ($n.Read, $n.Inserted, $n.Updated, $n.Skipped, $n.Deleted) | Should -Be @(4, 1, 1, 1, 1)
            $Delta | ForEach-Object { if ($_ -is [CrmMigration.CrmImportSummary]) { $_.Balanced | Should -BeTrue } }
            ($Delta | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^contacts: 34 record\(s\) not modified since the watermark' }) | Should -Not -BeNullOrEmpty
        }

        It 'records a Delta run chained to the bulk run' {
            $runs = Get-CrmMigrationRun -StatePath $State
            $runs[0].Kind | Should -Be 'Delta'
            $runs[0].PreviousRunId | Should -Be $Bulk[0].RunId
            $runs[0].Balanced | Should -BeTrue
            $runs[0].Status | Should -Be 'Completed'
        }

        It 'a second delta with nothing changed writes and deletes nothing (only the overlap is read again)' {
            $again = @(Copy-CrmData $Src $Conn -Incremental -DeletedRecords Delete -StatePath $State)
            ($again | Measure-Object Inserted -Sum).Sum + ($again | Measure-Object Updated -Sum).Sum + ($again | Measure-Object Deleted -Sum).Sum | Should -Be 0
            # the 3 contacts changed at the new watermark, within its overlap
            $c = $again | Where-Object Entity -eq 'contacts'
            ($c.Read, $c.Skipped) | Should -Be @(3, 3)
        }

        It 'Undo-CrmMigration of the delta runs brings the bulk state back, deleted rows included' {
            $runs = Get-CrmMigrationRun -StatePath $State | Where-Object Kind -eq 'Delta'
            Undo-CrmMigration $Conn -RunId $runs[-1].RunId -StatePath $State -Force -Confirm:$false | Out-Null
            $now = Get-AllRows $Kind $Name
            foreach ($t in 'accounts', 'contacts', 'notes') { ($now[$t] -join "`n") | Should -Be ($AfterBulk[$t] -join "`n") -Because $t }
        }
    }

    Context 'what to do with deletions' {
        BeforeEach {
            $script:Src = Join-Path $TestDrive ("d-src-" + [Guid]::NewGuid().ToString('N').Substring(0, 6) + '.db')
            $script:Tgt = Join-Path $TestDrive ("d-tgt-" + [Guid]::NewGuid().ToString('N').Substring(0, 6) + '.db')
            $script:State = "$Tgt.ledger.sqlite"
            New-DeltaSource $Src
            Copy-CrmData $Src $Tgt -Create -StatePath $State | Out-Null
            Update-DeltaSource $Src
        }

        It 'reports them by default: left in the target, counted as Filtered (DeletedInSource), one warning' {
            $out = @(Copy-CrmData $Src $Tgt -Incremental -StatePath $State -WarningVariable w 3>$null)
            Invoke-CrmTestSql -Kind Sqlite -Database $Tgt -Sql 'SELECT COUNT(*) FROM contacts WHERE id IN (8, 33);' | Should -Be '2'
            $c = $out | Where-Object Entity -eq 'contacts'
            ($c.Filtered, $c.Deleted, $c.Balanced) | Should -Be @(2, 0, $true)
            ($w -join "`n") | Should -Match 'contacts: 2 record\(s\) are no longer in the source contacts \(e\.g\. 33, 8\)'
            (Get-CrmMigrationRecord -StatePath $State -Entity contacts -ReasonCode DeletedInSource).Count | Should -Be 2
        }

        It 'marks them with -DeletedRecords SoftDelete' {
            $out = @(Copy-CrmData $Src $Tgt -Incremental -DeletedRecords SoftDelete -SoftDeleteField is_deleted -StatePath $State)
            Invoke-CrmTestSql -Kind Sqlite -Database $Tgt -Sql 'SELECT id FROM contacts WHERE is_deleted = 1 ORDER BY id;' | Should -Be @('8', '33')
            ($out | Where-Object Entity -eq 'contacts').Deleted | Should -Be 2
        }

        It '-WhatIf counts and changes nothing' {
            $before = Invoke-CrmTestSql -Kind Sqlite -Database $Tgt -Sql 'SELECT * FROM contacts ORDER BY id;'
            $out = @(Copy-CrmData $Src $Tgt -Incremental -DeletedRecords Delete -StatePath $State -WhatIf)
            $c = $out | Where-Object Entity -eq 'contacts'
            ($c.Inserted, $c.Updated, $c.Deleted, $c.WhatIf) | Should -Be @(2, 3, 2, $true)
            Invoke-CrmTestSql -Kind Sqlite -Database $Tgt -Sql 'SELECT * FROM contacts ORDER BY id;' | Should -Be $before
            @(Get-CrmMigrationRun -StatePath $State).Count | Should -Be 1
        }

        It 'takes the modified-at field a mapping names (Modified), and refuses one the source lacks' {
            Invoke-CrmTestSql -Kind Sqlite -Database $Src -Sql "CREATE TABLE deals (id INTEGER PRIMARY KEY, title TEXT, changed_on TEXT); INSERT INTO deals VALUES (1, 'a', '2020-01-01T00:00:00Z'), (2, 'b', '2020-02-01T00:00:00Z'), (3, 'c', '2020-03-01T00:00:00Z');" | Out-Null
            $map = @{ Entities = @{ Deal = @{ Source = 'deals'; Key = 'Id'; Modified = 'changed_on'; Fields = [ordered]@{ Id = 'id'; Title = 'title'; ChangedOn = 'changed_on' } } } }
            Copy-CrmData $Src $Tgt -Mapping $map -Create -StatePath $State | Out-Null
            Invoke-CrmTestSql -Kind Sqlite -Database $Src -Sql "UPDATE deals SET title = 'A', changed_on = '2030-01-01T00:00:00Z' WHERE id = 1;" | Out-Null
            $d = @(Copy-CrmData $Src $Tgt -Mapping $map -Incremental -StatePath $State) | Where-Object Entity -eq 'Deal'
            # deal 1 changed; deal 3 is the watermark itself, read again within the overlap
            ($d.Read, $d.Updated, $d.Skipped) | Should -Be @(2, 1, 1)
            Invoke-CrmTestSql -Kind Sqlite -Database $Tgt -Sql 'SELECT Title FROM Deal WHERE Id = 1;' | Should -Be 'A'
            $bad = @{ Entities = @{ Deal = @{ Source = 'deals'; Key = 'Id'; Modified = 'nope'; Fields = [ordered]@{ Id = 'id'; Title = 'title' } } } }
            { Copy-CrmData $Src $Tgt -Mapping $bad -Incremental -StatePath $State -ErrorAction Stop } | Should -Throw -ErrorId 'MappingModifiedFieldNotFound,CrmMigration.Commands.CopyCrmDataCommand'
        }

        It 'refuses what cannot work: no earlier run, a soft delete without its field, deletion options without -Incremental' {
            $fresh = Join-Path $TestDrive 'fresh.db'
            { Copy-CrmData $Src $fresh -Incremental -StatePath "$fresh.ledger" -ErrorAction Stop } | Should -Throw -ErrorId 'IncrementalWithoutBaseRun,CrmMigration.Commands.CopyCrmDataCommand'
            { Copy-CrmData $Src $Tgt -Incremental -DeletedRecords SoftDelete -StatePath $State -ErrorAction Stop } | Should -Throw -ErrorId 'SoftDeleteFieldMissing,CrmMigration.Commands.CopyCrmDataCommand'
            { Copy-CrmData $Src $Tgt -DeletedRecords Delete -StatePath $State -ErrorAction Stop } | Should -Throw -ErrorId 'DeletedRecordsNeedIncremental,CrmMigration.Commands.CopyCrmDataCommand'
            { Copy-CrmData $Src (Join-Path $TestDrive 'csvout') -Incremental -StatePath $State -ErrorAction Stop } | Should -Throw -ErrorId 'IncrementalNeedsDatabase,CrmMigration.Commands.CopyCrmDataCommand'
        }
    }
}

Describe 'Copy-CrmData: a keyless CSV with repeated rows, its indexes past their in-memory cap' {
    BeforeAll {
        # An event log as a reporting tool exports it: no key column, CRLF, a quoted field with a comma, rows repeated
        # inside a batch and across batches, and rows that differ only in case or a trailing space (not copies).
        $script:Dir = Join-Path $TestDrive 'keyless'
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add('at,who,what')
        for ($i = 0; $i -lt 60; $i++) {
            $lines.Add(('2024-02-{0:D2},eve,view {1}' -f ($i % 7 + 1), ($i % 3)))
            if ($i % 4 -eq 0) { $lines.Add('2024-01-01,ann,login') }
            if ($i % 9 -eq 0) { $lines.Add('2024-01-02,"Brown, Bob",logout'); $lines.Add('2024-01-02,Ann,login'); $lines.Add('2024-01-02,ann,login ') }
        }
        New-CrmTestCsv -Path (Join-Path $script:Dir 'log.csv') -Line $lines | Out-Null
        $script:Rows = $lines.Count - 1
        # What the target must hold: every row as often as the file has it, counted here without our code.
        $script:Expected = @($lines | Select-Object -Skip 1 | ForEach-Object { $_ -replace '"Brown, Bob"', 'Brown, Bob' } | Group-Object -CaseSensitive |
            ForEach-Object { "$($_.Name)|$($_.Count)" } | Sort-Object -CaseSensitive)
        function Get-TargetRows([string] $Db) {
            @(Invoke-CrmTestSql -Kind Sqlite -Database $Db -Sql "SELECT at || ',' || who || ',' || what || '|' || count(*) FROM log GROUP BY at, who, what;" | Sort-Object -CaseSensitive)
        }
    }

    It 'killed and resumed with the cap lowered, lands every row once per copy under the identities an uninterrupted run gives' {
        $whole = Invoke-CrmTestChild -WorkingDirectory $script:Dir -Script 'Copy-CrmData ./log.csv ./whole.db -Create -BatchSize 5 | Out-Null'
        $whole.ExitCode | Should -Be 0 -Because $whole.Error
        $cap = @{ CRMMIGRATION_INDEX_CAP = '3' }
        $start = [DateTime]::Now.AddSeconds(-1)
        $killed = Invoke-CrmTestChild -WorkingDirectory $script:Dir -Environment ($cap + @{ CRMMIGRATION_FAULT = 'after-ledger:6' }) -Script 'Copy-CrmData ./log.csv ./cut.db -Create -BatchSize 5 | Out-Null'
        $killed.ExitCode | Should -Not -Be 0
        Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $script:Dir 'cut.db') -Sql 'SELECT count(*) FROM log;' | Should -Be '30'
        # The killed process's index files (it spilled past the cap of 3) are gone with it.
        @(Get-ChildItem -LiteralPath ([IO.Path]::GetTempPath()) -Force -Filter '.crm-index-*' | Where-Object LastWriteTime -ge $start).Count | Should -Be 0
        $resumed = Invoke-CrmTestChild -WorkingDirectory $script:Dir -Environment $cap -Script 'Copy-CrmData ./log.csv ./cut.db -Create -BatchSize 5 -Resume -WarningAction SilentlyContinue | ForEach-Object { "$($_.Read) $($_.Inserted) $($_.Rejected)" }'
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
        $resumed.Output | Should -Be "$($script:Rows) $($script:Rows) 0"

        # The targets, read with sqlite3: each row as often as the file holds it, in both.
        Get-TargetRows (Join-Path $script:Dir 'whole.db') | Should -Be $script:Expected
        Get-TargetRows (Join-Path $script:Dir 'cut.db') | Should -Be $script:Expected
        # The ledgers' counters (sqlite3) and identities: the resumed run recorded each row once, as the uninterrupted run did.
        foreach ($db in 'whole.db', 'cut.db') {
            Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $script:Dir "$db.crm-ledger.sqlite") -Sql "SELECT sum(read) || ' ' || sum(inserted) FROM counters;" | Should -Be "$($script:Rows) $($script:Rows)"
        }
        $keys = foreach ($db in 'whole.db', 'cut.db') {
            , @(Get-CrmMigrationRecord -StatePath (Join-Path $script:Dir "$db.crm-ledger.sqlite") | ForEach-Object { "$($_.SourceKey) $($_.Outcome)" } | Sort-Object -CaseSensitive)
        }
        $keys[0].Count | Should -Be $script:Rows
        $keys[1] | Should -Be $keys[0]
        @($keys[0] | Where-Object { $_ -match '#13 Inserted$' }).Count | Should -Be 1 -Because 'the login row is in the file 15 times: copies #1 to #15'
    }

    It 'copied again with the cap lowered, skips every row as unchanged and writes nothing' {
        $again = Invoke-CrmTestChild -WorkingDirectory $script:Dir -Environment @{ CRMMIGRATION_INDEX_CAP = '3' } -Script 'Copy-CrmData ./log.csv ./cut.db -Create -BatchSize 5 | ForEach-Object { "$($_.Inserted) $($_.Skipped)" }'
        $again.ExitCode | Should -Be 0 -Because $again.Error
        $again.Output | Should -Be "0 $($script:Rows)"
        Get-TargetRows (Join-Path $script:Dir 'cut.db') | Should -Be $script:Expected
    }
}

Describe 'Copy-CrmData -ThrottleLimit: entities read at once, the same copy' {
    BeforeAll {
        $script:Work = Join-Path $TestDrive 'throttle'
        New-Item -ItemType Directory $script:Work | Out-Null
        # Accounts, contacts and opportunities as CSV files with their sidecars; contacts and opportunities reference
        # accounts (some of them accounts that are not there), some contacts lack a required name.
        New-CrmSampleData -Path (Join-Path $script:Work 'src') -Format Csv -Seed 11 -Scale 3000 | Out-Null
        $script:Map = Join-Path (Get-CrmTestRepoRoot) 'examples/legacy-to-new.psd1'
        $script:Src = Join-Path $script:Work 'src'
        $script:Tables = 'Account', 'Contact', 'Opportunity'
        function Get-ErrorText($Errors, [string] $Target) {
            # What the user saw, with the target's name made neutral (the two copies go to two targets).
            @($Errors | ForEach-Object { "$($_.FullyQualifiedErrorId) $($_.TargetObject) $($_.Exception.Message)".Replace($Target, '<target>') })
        }
        function Get-Books($Summaries) {
            @($Summaries | ForEach-Object { '{0} read {1} inserted {2} updated {3} skipped {4} rejected {5} filtered {6}' -f $_.Entity, $_.Read, $_.Inserted, $_.Updated, $_.Skipped, $_.Rejected, $_.Filtered })
        }
    }

    It 'copies into SQLite with 3 exactly what it copies with 1: the sqlite3 dump, the books, every error in its order' {
        $one = Join-Path $script:Work 'one.db'
        $three = Join-Path $script:Work 'three.db'
        $e1 = $null; $e3 = $null
        $s1 = Copy-CrmData $script:Src $one -Mapping $script:Map -Entity accounts, contacts, opportunities -Create -ThrottleLimit 1 -ErrorAction SilentlyContinue -ErrorVariable e1 -WarningAction SilentlyContinue
        $s3 = Copy-CrmData $script:Src $three -Mapping $script:Map -Entity accounts, contacts, opportunities -Create -ThrottleLimit 3 -ErrorAction SilentlyContinue -ErrorVariable e3 -WarningAction SilentlyContinue
        @($s3).Count | Should -Be 3
        (Get-Books $s3) | Should -Be (Get-Books $s1)
        $text1 = Get-ErrorText $e1 $one
        $text1.Count | Should -BeGreaterThan 10
        ($text1 -match '^MissingParent').Count | Should -BeGreaterThan 0
        (Get-ErrorText $e3 $three) | Should -Be $text1
        # The targets, as sqlite3 dumps them (schema, rows in the order they were written).
        $dump1 = Invoke-CrmTestSql -Kind Sqlite -Database $one -Sql '.dump'
        $dump1.Count | Should -BeGreaterThan 3000
        (Invoke-CrmTestSql -Kind Sqlite -Database $three -Sql '.dump') | Should -Be $dump1
        (Get-CrmMigrationRun -Target $three).Balanced | Should -BeTrue
    }

    It 'copies into PostgreSQL with 3 exactly what it copies with 1 (psql: every row, every column and constraint)' {
        $dbs = @(New-CrmTestDatabase -Kind PostgreSql; New-CrmTestDatabase -Kind PostgreSql)
        try {
            $e1 = $null; $e3 = $null
            $s1 = Copy-CrmData $script:Src $dbs[0].Connection -Mapping $script:Map -Entity accounts, contacts, opportunities -Create -ThrottleLimit 1 -ErrorAction SilentlyContinue -ErrorVariable e1 -WarningAction SilentlyContinue
            $s3 = Copy-CrmData $script:Src $dbs[1].Connection -Mapping $script:Map -Entity accounts, contacts, opportunities -Create -ThrottleLimit 3 -ErrorAction SilentlyContinue -ErrorVariable e3 -WarningAction SilentlyContinue
            (Get-Books $s3) | Should -Be (Get-Books $s1)
            (Get-ErrorText $e3 $dbs[1].Connection.DisplayName) | Should -Be (Get-ErrorText $e1 $dbs[0].Connection.DisplayName)
            $dump = {
                param($db)
                foreach ($t in $script:Tables) { Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SELECT row_to_json(t)::text FROM `"$t`" t ORDER BY `"Id`"" }
                Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1"
                Invoke-CrmTestSql -Kind PostgreSql -Database $db -Sql "SELECT conrelid::regclass::text || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1"
            }
            $pg1 = @(& $dump $dbs[0])
            $pg1.Count | Should -BeGreaterThan 3000
            @(& $dump $dbs[1]) | Should -Be $pg1
        }
        finally { $dbs | Remove-CrmTestDatabase }
    }

    It 'resumes a killed copy with 3 where it stopped, and the target ends as the copy with 1 left it' {
        $copy = "Copy-CrmData ./src ./killed.db -Mapping '$($script:Map -replace "'", "''")' -Entity accounts, contacts, opportunities -Create -BatchSize 200 -ThrottleLimit 3 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue"
        # The process dies (SIGKILL) right after the ledger recorded a contacts batch, with opportunities read ahead.
        $killed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Environment @{ CRMMIGRATION_FAULT = 'after-ledger:6' } -Script "$copy | Out-Null"
        $killed.ExitCode | Should -Not -Be 0
        $before = [int](Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $script:Work 'killed.db') -Sql 'SELECT count(*) FROM Contact')
        $before | Should -BeGreaterThan 0
        $before | Should -BeLessThan 2900
        $resumed = Invoke-CrmTestChild -WorkingDirectory $script:Work -Script "$copy -Resume | Out-Null"
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Error
        $run = Get-CrmMigrationRun -Target (Join-Path $script:Work 'killed.db')
        $run.Balanced | Should -BeTrue
        $run.Attempts | Should -Be 2
        foreach ($t in $script:Tables) {
            (Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $script:Work 'killed.db') -Sql "SELECT * FROM $t ORDER BY Id") |
                Should -Be (Invoke-CrmTestSql -Kind Sqlite -Database (Join-Path $script:Work 'one.db') -Sql "SELECT * FROM $t ORDER BY Id") -Because $t
        }
    }

    It 'stops every reader on Ctrl+C, and the stopped copy resumes exact' {
        $big = Join-Path $script:Work 'big'
        New-CrmSampleData -Path $big -Format Csv -Seed 5 -Scale 40000 | Out-Null
        $target = Join-Path $script:Work 'stopped.db'
        # The copy runs in a runspace of its own, as at a prompt; it is stopped as Ctrl+C stops it once 3,000 contacts landed.
        $stop = Stop-CrmTestRunAfterRows -Database $target -Table Contact -Rows 3000 -TimeoutSeconds 90 -ArgumentList $big, $target, $script:Map -ScriptBlock {
            param($Manifest, $Source, $Target, $Map)
            Import-Module $Manifest
            Copy-CrmData $Source $Target -Mapping $Map -Entity accounts, contacts, opportunities -Create -BatchSize 100 -ThrottleLimit 3 -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        }
        $stop.Completed | Should -BeFalse -Because 'the copy must still be running when it is stopped'
        $stop.StopSeconds | Should -BeLessThan 10
        $stop.State | Should -Be 'Stopped'
        if ($IsLinux) {
            # The readers' threads are gone (Linux names a thread by the first 15 characters of its .NET name).
            @(Get-Content "/proc/$PID/task/*/comm" -ErrorAction Ignore | Where-Object { $_ -like 'CrmMigration re*' }).Count | Should -Be 0
        }
        (@(Get-CrmMigrationRun -Target $target)[-1]).Status | Should -Not -Be 'Completed'
        $summaries = Copy-CrmData $big $target -Mapping $script:Map -Entity accounts, contacts, opportunities -Create -BatchSize 100 -ThrottleLimit 3 -Resume -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        @($summaries | Where-Object { -not $_.Balanced }).Count | Should -Be 0
        $contacts = $summaries | Where-Object Entity -eq 'Contact'
        $contacts.Read | Should -Be 40000
        Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'SELECT count(*) - count(DISTINCT Id) FROM Contact' | Should -Be '0'
        [int](Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'SELECT count(*) FROM Contact') | Should -Be $contacts.Inserted
    }

    It 'refuses a limit under 1' {
        { Copy-CrmData $script:Src (Join-Path $script:Work 'zero.db') -Mapping $script:Map -Create -ThrottleLimit 0 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,CrmMigration.Commands.CopyCrmDataCommand'
        Test-Path (Join-Path $script:Work 'zero.db') | Should -BeFalse
    }
}
