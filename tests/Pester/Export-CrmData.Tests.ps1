BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Export-CrmData with a source that is not there' {
    It 'stops with SourceNotFound instead of exporting nothing' {
        { Export-CrmData (Join-Path $TestDrive 'nope.csv') -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.ExportCrmDataCommand'
        { Export-CrmData (Join-Path $TestDrive 'nope-folder') -ErrorAction Stop } | Should -Throw -ErrorId 'SourceNotFound,CrmMigration.Commands.ExportCrmDataCommand'
    }
}

Describe 'Export-CrmData' {
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'reads a short row leniently (one warning) as Import-Csv does; with -RejectShortRows reports each ragged row as an error naming file and line' {
        New-CrmTestCsv ./contacts.csv -NewLine "`n" -Line @(
            'id,name,email'
            '1,Ann,ann@x.com'
            '2,Bob'
            '3,"Cy, ""Jr""",cy@x.com'
            '4,Dee,dee@x.com,extra'
            '5,Eve,eve@x.com') | Out-Null
        # the short row (2,Bob) reads its missing email as empty, with one warning; the long one is an error
        $lenient = Export-CrmData -Path ./contacts.csv -WarningVariable w -WarningAction SilentlyContinue -ErrorAction SilentlyContinue | ForEach-Object { $_.id }
        $lenient | Should -Be @('1', '2', '3', '5')
        @($w).Count | Should -Be 1
        $ids = Export-CrmData -Connection (New-CrmConnection Csv ./contacts.csv -RejectShortRows) -ErrorVariable bad -ErrorAction SilentlyContinue | ForEach-Object { $_.id }
        $ids | Should -Be @('1', '3', '5')
        @($bad | Get-CrmTestErrorId) | Should -Be @('CsvRaggedRow', 'CsvRaggedRow')
        $bad[0].Exception.Message | Should -Match 'contacts\.csv:3'
        $bad[1].Exception.Message | Should -Match 'contacts\.csv:5'
        $bad[0].InvocationInfo.MyCommand.Name | Should -Be 'Export-CrmData'
    }

    It 'reads GB 18030 (detected or named) and UTF-16 files as the same text' {
        New-CrmTestCsv ./gb.csv -Encoding gb18030 -NewLine "`n" -Line 'id,name', '1,张伟', '2,王芳' | Out-Null
        New-CrmTestCsv ./u16.csv -Encoding utf-16 -Bom -NewLine "`n" -Line 'id,name', '1,张伟', '2,王芳' | Out-Null
        (Export-CrmData -Path ./gb.csv | ForEach-Object name) -join ',' | Should -Be '张伟,王芳'
        (Export-CrmData (New-CrmConnection Csv ./gb.csv -Encoding gb18030) | ForEach-Object name) -join ',' | Should -Be '张伟,王芳'
        (Export-CrmData -Path ./u16.csv | ForEach-Object name) -join ',' | Should -Be '张伟,王芳'
    }

    It 'writes progress and always completes it' {
        $rows = foreach ($i in 1..3000) { $x = [CrmMigration.CrmRecord]::new('t'); $x['id'] = [long]$i; $x.Key = [CrmMigration.CrmKey]::new([string]$i); $x }
        $rows | Import-CrmData -Path ./p.db -Create | Out-Null
        # The progress stream cannot be redirected in a script: read it from a PowerShell instance of its own.
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-CrmTestManifest)'; Set-Location -LiteralPath '$((Get-Location).ProviderPath)'; @(Export-CrmData ./p.db -Entity t | Where-Object { `$true }).Count")
            $count = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            $count | Should -Be 3000
            $done = @($ps.Streams.Progress | Where-Object { $_.Activity -like '*Export-CrmData*' -and $_.RecordType -eq 'Completed' })
            $done.Count | Should -BeGreaterThan 0
        }
        finally { $ps.Dispose() }
    }

    It 'completes entity names with Tab' {
        New-CrmSampleData ./legacy.db -Scale 50 | Out-Null
        $s = 'Export-CrmData ./legacy.db -Entity con'
        (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches.CompletionText | Should -Be @('contacts')
    }

    It 'streams typed records of the entities selected by wildcard, filtered by field values (ignoring case, with wildcards); a missing entity is an error' {
        New-CrmSampleData ./legacy.db -Seed 42 -Scale 200 | Out-Null
        $records = @(Export-CrmData ./legacy.db -Entity 'opp*')
        $records.Count | Should -Be ([int](Invoke-CrmTestSql -Kind Sqlite -Database ./legacy.db -Sql 'SELECT count(*) FROM opportunities'))
        $records | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmRecord }
        $records[0].Entity | Should -Be 'opportunities'
        $records[0].amount | Should -BeOfType [decimal]
        $german = @(Export-CrmData ./legacy.db contacts -Filter @{ country = 'Germany'; last_name = 'M*' })
        $german.Count | Should -Be ([int](Invoke-CrmTestSql -Kind Sqlite -Database ./legacy.db -Sql "SELECT count(*) FROM contacts WHERE lower(country) = 'germany' AND last_name LIKE 'M%'"))
        $german.Count | Should -BeGreaterThan 0
        @(Export-CrmData ./legacy.db -Entity leads, nothing -ErrorVariable bad -ErrorAction SilentlyContinue).Count | Should -Be 100
        @($bad | Get-CrmTestErrorId) | Should -Be @('EntityNotFound')
    }
}

Describe 'Export-CrmData reads CSV files as other tools write them' {
    BeforeAll {
        function Invoke-Export {
            # Runs Export-CrmData and returns records, errors, warnings and verbose lines apart.
            param([scriptblock] $Command)
            $all = @(& { $VerbosePreference = 'Continue'; $WarningPreference = 'Continue'; $ErrorActionPreference = 'Continue'; & $Command } *>&1)
            [pscustomobject]@{
                Records  = @($all | Where-Object { $_ -is [CrmMigration.CrmRecord] })
                Verbose  = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
                Errors   = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
                Warnings = @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
            }
        }
    }

    Context 'a Salesforce report export: label headers, dropped trailing fields, a footer' {
        BeforeAll {
            $script:Sf = New-CrmTestSalesforceReport (Join-Path $TestDrive 'sf/report1700000000000.csv')
        }

        It 'reads all 14 accounts, the missing trailing fields as empty, with one warning for the file' {
            $r = Invoke-Export { Export-CrmData -Path $script:Sf.FullName }
            $r.Records.Count | Should -Be 14
            $r.Records[1].'Account Name' | Should -Be 'Globex'
            $r.Records[1].Phone | Should -Be ''
            $r.Records[3].'Billing Country' | Should -Be ''
            $r.Records[12].'Billing City' | Should -Be 'Zürich'
            @($r.Warnings | Where-Object { $_ -like '*8 row(s) have fewer fields than the header*' }).Count | Should -Be 1
        }

        It 'refuses the footer lines, each an error with its line, instead of loading them as accounts' {
            $r = Invoke-Export { Export-CrmData -Path $script:Sf.FullName }
            @($r.Errors | Get-CrmTestErrorId) | Should -Be @('CsvSingleFieldRow', 'CsvSingleFieldRow', 'CsvSingleFieldRow')
            @($r.Errors | ForEach-Object { $_.TargetObject.Line }) | Should -Be @(17, 19, 20)
            @($r.Records | Where-Object { $_.'Account ID' -like '*Grand Totals*' }).Count | Should -Be 0
        }

        It 'rejects the short rows as CsvRaggedRow with -RejectShortRows' {
            $c = New-CrmConnection Csv $script:Sf.FullName -RejectShortRows
            $r = Invoke-Export { Export-CrmData -Connection $c }
            $r.Records.Count | Should -Be 6
            @($r.Errors | Get-CrmTestErrorId | Where-Object { $_ -eq 'CsvRaggedRow' }).Count | Should -Be 8
        }
    }

    Context 'encodings' {
        It 'reads a Windows-1252 file with the euro sign and accents, says it guessed, and is quiet when told' {
            $f = New-CrmTestCsv -Path (Join-Path $TestDrive 'enc/legacy.csv') -Encoding windows-1252 -Line @(
                'Id,Name,City,Note', '1,Renée Müller,Köln,Prix 12 €', '2,François Gaëtan,Besançon,', '3,José Núñez,Málaga,señal', '4,Søren Ødegård,Århus,crème brûlée')
            $r = Invoke-Export { Export-CrmData -Path $f.FullName }
            @($r.Records | ForEach-Object Name) | Should -Be @('Renée Müller', 'François Gaëtan', 'José Núñez', 'Søren Ødegård')
            $r.Records[0].Note | Should -Be 'Prix 12 €'
            $r.Errors.Count | Should -Be 0
            @($r.Warnings | Where-Object { $_ -like '*Read as windows-1252 (guessed)*' }).Count | Should -Be 1

            $told = Invoke-Export { Export-CrmData -Path $f.FullName -Encoding windows-1252 }
            $told.Records[3].Note | Should -Be 'crème brûlée'
            $told.Warnings.Count | Should -Be 0
            @($told.Verbose | Where-Object { $_ -like '*Read as windows-1252 (given)*' }).Count | Should -Be 1
        }

        It 'reads a UTF-16 file without a byte order mark (as Excel "Unicode Text" saves it, less the BOM)' {
            $f = New-CrmTestCsv -Path (Join-Path $TestDrive 'enc/u16.csv') -Encoding utf-16 -Line @('Id,Name', '1,Ärger 中文', '2,Bob')
            $r = Invoke-Export { Export-CrmData -Path $f.FullName }
            @($r.Records | ForEach-Object Name) | Should -Be @('Ärger 中文', 'Bob')
            $r.Errors.Count | Should -Be 0
            @($r.Verbose | Where-Object { $_ -like '*Read as utf-16 (detected)*' }).Count | Should -Be 1
        }

        It 'loads 59,999 rows of a 60,000-row UTF-8 file whose last row has one bad byte, and names line and byte offset' {
            $path = Join-Path $TestDrive 'enc/big.csv'
            $sb = [Text.StringBuilder]::new("Id,Name`r`n")
            for ($i = 1; $i -lt 60000; $i++) { [void]$sb.Append("$i,café $i`r`n") }
            $bytes = [Collections.Generic.List[byte]]::new([Text.Encoding]::UTF8.GetBytes($sb.ToString()))
            $bytes.AddRange([Text.Encoding]::ASCII.GetBytes('60000,caf'))
            $offset = $bytes.Count
            $bytes.Add(0xE9)  # a Latin-1 é in a UTF-8 file
            $bytes.AddRange([Text.Encoding]::ASCII.GetBytes(" 60000`r`n"))
            [IO.File]::WriteAllBytes($path, $bytes.ToArray())

            $r = Invoke-Export { Export-CrmData -Path $path }
            $r.Records.Count | Should -Be 59999
            $r.Records[59998].Name | Should -Be 'café 59999'
            @($r.Records | Where-Object { $_.Name -notlike 'café *' }).Count | Should -Be 0
            $r.Errors | Should -HaveCount 1
            $e = $r.Errors[0]
            $e | Get-CrmTestErrorId | Should -Be 'CsvInvalidByteSequence'
            $e.TargetObject.Line | Should -Be 60001
            $e.TargetObject.File | Should -Be $path
            $e.Exception.Message | Should -BeLike ('*offset ' + $offset.ToString('N0', [cultureinfo]::InvariantCulture) + ' (0xE9)*')
            @($r.Verbose | Where-Object { $_ -like '*Read as utf-8 (detected)*' }).Count | Should -Be 1
        }

        It 'refuses that file before any record with -StrictEncoding' {
            $path = Join-Path $TestDrive 'enc/big.csv'
            $c = New-CrmConnection Csv $path -StrictEncoding
            # A record before the refusal would throw 'a record came' instead.
            { Export-CrmData -Connection $c -ErrorAction Stop | ForEach-Object { throw 'a record came' } } | Should -Throw -ErrorId 'CsvEncodingInvalid*'
        }

        It 'stops on an encoding name .NET does not know' {
            { Export-CrmData -Path (Join-Path $TestDrive 'enc/u16.csv') -Encoding 'klingon-1' } | Should -Throw -ErrorId 'EncodingUnknown*'
        }
    }

    Context 'headers and filters' {
        It 'never gives a repeated or empty header a real column''s name, and says so once' {
            $f = New-CrmTestCsv -Path (Join-Path $TestDrive 'h/h.csv') -Line @('id,name,name,name_2,,Column5', '1,a,b,c,d,e')
            $r = Invoke-Export { Export-CrmData -Path $f.FullName }
            $r.Records | Should -HaveCount 1
            $rec = $r.Records[0]
            @($rec.PSObject.Properties | ForEach-Object Name) | Should -Be @('id', 'name', 'name_3', 'name_2', 'Column5_2', 'Column5')
            $rec.name_2 | Should -Be 'c'
            $rec.Column5 | Should -Be 'e'
            $r.Errors.Count | Should -Be 0
            $r.Warnings | Should -HaveCount 1
            $r.Warnings[0] | Should -BeLike "*column 3 'name' (repeated) → 'name_3'*column 5 (empty) → 'Column5_2'*"
        }

        It 'stops before reading when -Filter names a field the entity lacks' {
            $f = New-CrmTestCsv -Path (Join-Path $TestDrive 'h/f.csv') -Line @('id,country', '1,CN')
            $err = { Export-CrmData -Path $f.FullName -Filter @{ contry = 'CN' } -ErrorAction Stop } | Should -Throw -ErrorId 'FilterFieldNotFound*' -PassThru
            $err.Exception.Message | Should -BeLike "*'contry'*country*"
            @(Export-CrmData -Path $f.FullName -Filter @{ country = 'CN' }).Count | Should -Be 1
        }
    }
}

Describe 'Export-CrmData reads workbooks as people make them' {
    BeforeAll {
        $script:Book = New-CrmTestWorkbook (Join-Path $TestDrive 'hand.xlsx')
    }

    It 'reads typed cells, and warns with their cells about formulas without a calculated value and merged ranges' {
        $warns = $null
        $recs = @(Export-CrmData -Path $script:Book.FullName -WarningVariable warns -WarningAction SilentlyContinue)
        $recs.Count | Should -Be 3
        $recs[0].Since | Should -Be ([datetime]'2020-01-01')
        $recs[0].Total | Should -Be 100
        $recs[0].Active | Should -BeTrue
        $recs[1].Active | Should -BeFalse
        $recs[1].Name | Should -Be "`t"
        $recs[1].Total | Should -BeNullOrEmpty
        @($recs | ForEach-Object Region) | Should -Be @('North', $null, $null)
        @($warns | Where-Object { "$_" -like '*2 formula cell(s) have no calculated value*D3 (=A3*100), D4 (=A4*100)*' }).Count | Should -Be 1
        @($warns | Where-Object { "$_" -like '*1 merged range(s): F2:F4*-FillMergedCells*' }).Count | Should -Be 1
    }

    It 'fills merged cells from the top-left one with -FillMergedCells' {
        $c = New-CrmConnection Excel $script:Book.FullName -FillMergedCells
        @(Export-CrmData -Connection $c -WarningAction SilentlyContinue | ForEach-Object Region) | Should -Be @('North', 'North', 'North')
    }

    It 'says which file is not a workbook, with a stable id' {
        $junk = Join-Path $TestDrive 'junk.xlsx'
        Set-Content -LiteralPath $junk -Value "Id,Name`n1,a"
        $err = { Export-CrmData -Path $junk -ErrorAction Stop } | Should -Throw -ErrorId 'ExcelFileNotWorkbook*' -PassThru
        $err.Exception.Message | Should -BeLike "*$junk*"
        $zipOfJunk = Join-Path $TestDrive 'zipjunk.xlsx'
        $z = [IO.Compression.ZipFile]::Open($zipOfJunk, 'Create'); $z.CreateEntry('a.txt') | Out-Null; $z.Dispose()
        { Export-CrmData -Path $zipOfJunk -ErrorAction Stop } | Should -Throw -ErrorId 'ExcelWorkbookInvalid*'
    }

    It 'gives back CR, tabs, whitespace-only text and empty strings as they were written' {
        $path = Join-Path $TestDrive 'round.xlsx'
        $r = [CrmMigration.CrmRecord]::new('Data')
        $r['Id'] = 1L; $r['Formula'] = "`r=1+1"; $r['Tab'] = "`t"; $r['Spaces'] = '   '; $r['Empty'] = ''; $r['Null'] = $null; $r['Lines'] = "a`r`nb"
        $r | Import-CrmData -Path $path -NoLedger | Out-Null
        $back = Export-CrmData -Path $path
        $back.Formula | Should -BeExactly "`r=1+1"
        $back.Tab | Should -BeExactly "`t"
        $back.Spaces | Should -BeExactly '   '
        $back.Empty | Should -BeExactly ''
        $back.Null | Should -BeNullOrEmpty
        $null -eq $back.Null | Should -BeTrue
        $back.Lines | Should -BeExactly "a`r`nb"
    }
}

Describe 'Export-CrmData from SaaS exports' {
    BeforeAll { $script:fixtures = Join-Path (Get-CrmTestRepoRoot) 'tests/Fixtures' }

    It 'reads a Salesforce Data Export folder: 18-character ids, 15-character lookups normalised, WhoId by prefix' {
        $sf = New-CrmConnection Salesforce (Join-Path $fixtures 'Salesforce/export')
        $accounts = @(Export-CrmData $sf -Entity Account)
        $accounts.Count | Should -Be 2
        $accounts[1].Name | Should -Be 'Globex "East"'
        $accounts[1].ParentId | Should -Be '0015g00000AbCdEAAV'
        $contact = Export-CrmData $sf -Entity Contact | Select-Object -First 1
        $contact.Id | Should -Be '0035g00000QwErTAAV'
        $contact.AccountId | Should -Be '0015g00000AbCdEAAV' -Because 'the 15-character id gets its checksum'
        $contact.Birthdate | Should -Be ([datetime]'1980-04-12')
        $contact.EmailOptOut | Should -BeTrue
        $tasks = @(Export-CrmData $sf -Entity Activity)
        $tasks[0].ContactId | Should -Be '0035g00000QwErTAAV'
        $tasks[0].AccountId | Should -Be '0015g00000AbCdEAAV'
        $tasks[1].LeadId | Should -Be '00Q5g00000LeAd1EAF'
        $tasks[1].PSObject.Properties['ContactId'].Value | Should -BeNullOrEmpty
        (Get-CrmSchema $sf -Entity Contact).Relations.ReferencedEntity | Should -Contain 'Account'
    }

    It 'reads the E-Bikes sf data tree plan with its references resolved' {
        $plan = Join-Path $fixtures 'Salesforce/ebikes-tree/sample-data-plan.json'
        (Get-CrmSchema $plan).Name | Should -Be @('Account', 'Product_Family__c', 'Product__c')
        $products = @(Export-CrmData $plan -Entity Product__c)
        $products.Count | Should -Be 16
        $products[0].Product_Family__c | Should -Be 'FuseRef'
        @(Export-CrmData $plan -Entity Account).Count | Should -Be 3
    }

    It 'reads a Configuration Migration package: lookups to keys, types from the profile, many-to-many as its own entity' {
        $d = New-CrmConnection Dynamics (Join-Path $fixtures 'Dynamics/cmt')
        (Get-CrmSchema $d).Name | Should -Be @('Account', 'Contact', 'accountleads_association')
        $accounts = @(Export-CrmData $d -Entity Account)
        $accounts[1].Name | Should -Be 'Fabrikam & Söhne'
        $accounts[1].ParentId | Should -Be 'a1b2c3d4-e5f6-4890-abcd-ef1234567890'
        $contact = Export-CrmData $d -Entity Contact
        $contact.AccountId | Should -Be 'a1b2c3d4-e5f6-4890-abcd-ef1234567890'
        $contact.EmailOptOut | Should -BeFalse
        $contact.Birthdate | Should -Be ([datetime]'1985-03-22')
        $m2m = Export-CrmData $d -Entity accountleads_association
        $m2m.Target | Should -Be 'c3d4e5f6-a7b8-4012-8def-123456789012'
    }
}
