BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Convert-CrmRecord: ValueMap that keeps unlisted values' {
    BeforeAll {
        $script:Csv = New-CrmTestCsv -Path (Join-Path $TestDrive 'status/leads.csv') -Line @('Id,Status', '1,A', '2,I', '3,Nurturing', '4,')
    }

    It 'translates listed values and passes the others as they are with OnUnlisted = Keep' {
        $map = @{ Entities = @{ Lead = @{ Source = 'leads'; Key = 'Id'; Fields = @{ Id = 'Id'; Status = @{ Source = 'Status'; ValueMap = @{ A = 'Active'; I = 'Inactive' }; OnUnlisted = 'Keep' } } } } }
        $out = @(Export-CrmData -Path $script:Csv.FullName | Convert-CrmRecord -Mapping $map)
        @($out | ForEach-Object Status) | Should -Be @('Active', 'Inactive', 'Nurturing', '')
    }

    It 'still rejects an unlisted value without it, and says how to keep it' {
        $map = @{ Entities = @{ Lead = @{ Source = 'leads'; Key = 'Id'; Fields = @{ Id = 'Id'; Status = @{ Source = 'Status'; ValueMap = @{ A = 'Active'; I = 'Inactive' } } } } } }
        $errs = $null
        $out = @(Export-CrmData -Path $script:Csv.FullName | Convert-CrmRecord -Mapping $map -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out.Count | Should -Be 3
        @($errs | Get-CrmTestErrorId) | Should -Be @('RecordValueNotInMap')
        $errs[0].Exception.Message | Should -BeLike "*OnUnlisted = 'Keep'*"
    }

    It 'refuses OnUnlisted = Keep next to a ''*'' entry, and OnUnlisted without a ValueMap' {
        $both = @{ Entities = @{ Lead = @{ Source = 'leads'; Fields = @{ Status = @{ ValueMap = @{ A = 'Active'; '*' = $null }; OnUnlisted = 'Keep' } } } } }
        { Convert-CrmRecord -Mapping $both -InputObject ([CrmMigration.CrmRecord]::new('leads')) } | Should -Throw -ErrorId 'MappingValueMapConflict*'
        $alone = @{ Entities = @{ Lead = @{ Source = 'leads'; Fields = @{ Status = @{ OnUnlisted = 'Keep' } } } } }
        { Convert-CrmRecord -Mapping $alone -InputObject ([CrmMigration.CrmRecord]::new('leads')) } | Should -Throw -ErrorId 'MappingOnUnlistedWithoutValueMap*'
    }
}

Describe 'Convert-CrmRecord: one source entity into several targets' {
    It 'gives an Account and a Contact per row, merges repeated accounts, and counts per target' {
        $csv = New-CrmTestCsv -Path (Join-Path $TestDrive 'd/export.csv') -Line @('cid,name,aid,aname', 'C1,Ann,A1,Acme', 'C2,Bob,A1,Acme', 'C3,Cid,A2,Globex')
        $map = @{ Entities = @{
                Contact = @{ Source = 'export'; Key = 'Id'; Fields = @{ Id = 'cid'; Name = 'name'; AccountId = @{ Source = 'aid'; Reference = 'Account' } } }
                Account = @{ Source = 'export'; Key = 'Id'; OnRepeat = 'Merge'; Fields = @{ Id = 'aid'; Name = 'aname' } }
            } }
        $out = @(Export-CrmData -Path $csv.FullName | Convert-CrmRecord -Mapping $map -SummaryVariable sum)
        @($out | ForEach-Object { "$($_.GetEntity()):$($_.GetKey())" }) | Should -Be @('Account:A1', 'Contact:C1', 'Contact:C2', 'Account:A2', 'Contact:C3')
        $acc = $sum | Where-Object Target -eq 'Account'
        ($acc.Read, $acc.Converted, $acc.Merged, $acc.Balanced) | Should -Be @(3, 2, 1, $true)
        ($sum | Where-Object Target -eq 'Contact').Converted | Should -Be 3
    }
}

Describe 'Convert-CrmRecord' {
    BeforeAll {

        function New-Rec($id, $email, $born, $score, $status) {
            $x = [CrmMigration.CrmRecord]::new('contacts')
            $x['contact_id'] = $id; $x['email'] = $email; $x['birthday'] = $born; $x['score'] = $score; $x['status'] = $status
            $x.Key = [CrmMigration.CrmKey]::new($id); $x
        }

        # Messy contacts and a mapping that splits names, cleans e-mails, phones and two-digit-year dates,
        # checks a pattern and filters deleted records.
        function New-MessyContact($id, $name, $email, $tel, $born, $status, $code) {
            $x = [CrmMigration.CrmRecord]::new('contacts')
            $x['id'] = $id; $x['full_name'] = $name; $x['email'] = $email; $x['tel'] = $tel
            $x['born'] = $born; $x['status'] = $status; $x['code'] = $code
            $x.Key = [CrmMigration.CrmKey]::new($id); $x
        }
        $script:messy = @(
            New-MessyContact '1' 'Wei  Zhang' ' Wei@QQ.COM ' '138 0013 8000' '05/03/24' 'Active' 'CN1'
            New-MessyContact '2' 'Old Timer' 'old@example.com' '' '01/01/99' 'Deleted' 'CN2'
            New-MessyContact '3' 'Bad Mail' 'not-an-address' '' '' 'Active' 'CN3'
            New-MessyContact '4' 'Bad Code' 'b@example.com' '' '' 'Active' '=cmd'
            New-MessyContact '5' 'Ann Typo' 'ann@gmial.com' '0086 13800138000' '' 'Active' 'CN5'
        )
        $script:cleanse = @{ Entities = @{ Contact = @{
                    Source = 'contacts'; Key = 'Id'
                    Where  = @( @{ Field = 'status'; NotIn = 'Deleted'; Reason = 'DeletedInLegacy' } )
                    Fields = [ordered]@{
                        Id    = 'id'
                        First = @{ Source = 'full_name'; Split = ' '; Part = 0 }
                        Last  = @{ Source = 'full_name'; Split = ' '; Part = -1 }
                        Email = @{ Source = 'email'; Transform = 'Email' }
                        Phone = @{ Source = 'tel'; Transform = 'Phone'; DefaultRegion = 'CN' }
                        Born  = @{ Source = 'born'; Transform = 'Date'; Format = 'dd/MM/yy'; TwoDigitYearMax = 2029 }
                        Code  = @{ Source = 'code'; Pattern = '[A-Z]{2}\d+' }
                    } } } }
    }
    BeforeEach { Push-Location (New-CrmTestFolder) }
    AfterEach { Pop-Location }

    It 'renames, sets constants, converts types and maps values; rejects with one error id per problem' {
        $map = @{ Entities = @{ Contact = @{
                    Source = 'contacts'; Key = 'Id'
                    Fields = [ordered]@{
                        Id      = 'contact_id'
                        Email   = @{ Source = 'email'; Transform = 'Trim', 'Lower'; Required = $true }
                        Born    = @{ Source = 'birthday'; Type = 'Date'; Format = 'dd.MM.yyyy' }
                        Score   = @{ Source = 'score'; Type = 'Integer' }
                        Country = @{ Value = 'CN' }
                        Status  = @{ Source = 'status'; ValueMap = @{ Active = 'A'; Inactive = 'I' } }
                    } } } }
        $in = @(
            New-Rec 'C1' '  Ann@X.COM ' '05.03.2024' '42' 'active'
            New-Rec 'C2' 'bob@y.org' '31.02.2024' '7' 'Active'
            New-Rec 'C3' '' '01.01.2000' 'x' 'Inactive'
            New-Rec 'C4' 'dan@z.net' '' '' 'Retired'
        )
        $out = @($in | Convert-CrmRecord -Mapping $map -ErrorVariable bad -ErrorAction SilentlyContinue)

        $out.Count | Should -Be 1
        $c1 = $out[0]
        $c1 | Should -BeOfType CrmMigration.CrmRecord
        $c1.Entity | Should -Be 'Contact'
        [string]$c1.Key | Should -Be 'C1'
        $c1.Email | Should -BeExactly 'ann@x.com'
        $c1.Born | Should -BeOfType [datetime]
        $c1.Born | Should -Be ([datetime]'2024-03-05')
        $c1.Score | Should -BeOfType [long]
        $c1.Score | Should -Be 42
        $c1.Country | Should -Be 'CN'
        $c1.Status | Should -BeExactly 'A'
        @($c1.FieldNames) | Should -Be @('Id', 'Email', 'Born', 'Score', 'Country', 'Status')
        $ids = @($bad | Get-CrmTestErrorId)
        $ids | Should -Contain 'RecordTypeConversion'         # 31.02 and 'x'
        $ids | Should -Contain 'RecordRequiredFieldMissing'
        $ids | Should -Contain 'RecordValueNotInMap'
        $conversion = $bad | Where-Object { ($_ | Get-CrmTestErrorId) -eq 'RecordTypeConversion' } | Select-Object -First 1
        $conversion.TargetObject | Should -BeOfType CrmMigration.CrmRecord
        $conversion.Exception.Message | Should -Match 'Born'
    }

    It 'reads mappings from .psd1 data and .json alike (one hash), and never runs code in a file' {
        Set-Content ./map.psd1 "@{ Entities = @{ Contact = @{ Source = 'contacts'; Fields = @{ Mail = 'email' } } } }"
        Set-Content ./map.json '{ "Entities": { "Contact": { "Source": "contacts", "Fields": { "Mail": "email" } } } }'
        Set-Content ./evil.psd1 "@{ Entities = @{ Contact = @{ Source = `$(Set-Content -Path pwned.txt -Value 1; 'contacts') } } }"
        $x = [CrmMigration.CrmRecord]::new('contacts'); $x['email'] = 'a@b.c'
        $hashOf = {
            param($file)
            $verbose = ($x | Convert-CrmRecord -Mapping $file -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message) -join ';'
            if ($verbose -match 'hash ([0-9a-f]{64})') { $Matches[1] }
        }
        $psd1 = & $hashOf ./map.psd1
        $psd1 | Should -Not -BeNullOrEmpty
        & $hashOf ./map.json | Should -Be $psd1
        ($x | Convert-CrmRecord -Mapping ./map.json).Mail | Should -Be 'a@b.c'

        { [CrmMigration.CrmRecord]::new('contacts') | Convert-CrmRecord -Mapping ./evil.psd1 } | Should -Throw -ErrorId 'MappingNotData,*'
        './pwned.txt' | Should -Not -Exist -Because 'a .psd1 mapping must never run code'

        $typo = { [CrmMigration.CrmRecord]::new('contacts') | Convert-CrmRecord -Mapping @{ Entities = @{ C = @{ Fields = @{ A = @{ Tpye = 'String' } } } } } } |
            Should -Throw -PassThru
        $typo.FullyQualifiedErrorId | Should -BeLike 'MappingUnknownKey,*'
        $typo.Exception.Message | Should -Match 'Tpye'
    }

    It 'cleanses, explains, filters and rejects with ids, warnings, verbose notes, a summary and a reject file' {
        $stream = $messy | Convert-CrmRecord -Mapping $cleanse -Explain -RejectPath ./rejects -SummaryVariable sum -Verbose `
            -ErrorVariable bad -ErrorAction SilentlyContinue -WarningVariable warn -WarningAction SilentlyContinue 4>&1
        $records = @($stream | Where-Object { $_ -is [CrmMigration.CrmRecord] })
        $verbose = @($stream | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)

        @($records | ForEach-Object { [string]$_.Key }) | Should -Be @('1', '5')
        $first = $records[0]
        $first.First | Should -Be 'Wei'
        $first.Last | Should -Be 'Zhang'
        $first.Email | Should -BeExactly 'Wei@qq.com'
        $first.Phone | Should -Be '+8613800138000'
        $first.Born | Should -Be ([datetime]'2024-03-05')
        $records[1].Phone | Should -Be '+8613800138000'

        $changes = @($first.Changes | ForEach-Object ToString)
        $changes | Should -Contain "Phone: '138 0013 8000' -> '+8613800138000' (Phone)"
        $changes | Should -Contain "Email: ' Wei@QQ.COM ' -> 'Wei@qq.com' (Email)"
        @($changes | Where-Object { $_.StartsWith("Born: '05/03/24' -> '2024-03-05' (Date)") }).Count | Should -Be 1

        @($bad | Get-CrmTestErrorId) | Should -Be @('RecordInvalidEmail', 'RecordPatternMismatch')
        $bad | ForEach-Object { $_.TargetObject | Should -BeOfType CrmMigration.CrmRecord }
        @($warn | Where-Object { $_.Message -match 'gmail\.com' }).Count | Should -Be 1
        @($verbose | Where-Object { $_ -match 'DeletedInLegacy' -and $_ -match [regex]::Escape('status NotIn (Deleted)') }).Count | Should -BeGreaterThan 0
        @($verbose | Where-Object { $_.StartsWith('contacts -> Contact: read 5, converted 2, merged 0, rejected 2, filtered 1') }).Count | Should -Be 1

        $sum | Should -BeOfType CrmMigration.CrmConvertSummary
        $sum.Read, $sum.Converted, $sum.Rejected, $sum.Filtered, $sum.Warnings | Should -Be @(5, 2, 2, 1, 1)
        $sum.Balanced | Should -BeTrue
        $sum.FilterReasons['DeletedInLegacy'] | Should -Be 1
        $sum.RejectReasons['RecordInvalidEmail'] | Should -Be 1
        $sum.Target | Should -Be 'Contact'

        $file = Get-CrmTestRejectFile ./rejects contacts.csv       # in the run's own folder
        $file | Should -Exist
        [IO.File]::ReadAllBytes($file)[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
        $lines = [IO.File]::ReadAllLines($file)
        $lines.Count | Should -Be 3
        $lines[0] | Should -BeExactly 'id,full_name,email,tel,born,status,code,RejectReason,RejectMessage'
        $lines[1] | Should -BeLike '3,Bad Mail,not-an-address,*,RecordInvalidEmail,*'
        $lines[2] | Should -BeLike "4,Bad Code,b@example.com,*'=cmd*,RecordPatternMismatch,*"
        # read back as data: the formula is unescaped again
        Export-CrmData -LiteralPath (Split-Path $file) -Entity contacts | ForEach-Object { $_.code + '|' + $_.RejectReason } |
            Should -Be @('CN3|RecordInvalidEmail', '=cmd|RecordPatternMismatch')
    }

    It 'runs scriptblock transforms from a hashtable, but never from a file or as a value' {
        $x = [CrmMigration.CrmRecord]::new('contacts'); $x['id'] = '7'; $x['revenue'] = '250000'; $x['name'] = 'acme'
        $map = @{ Entities = @{ Account = @{ Source = 'contacts'; Fields = [ordered]@{
                        Id   = 'id'
                        Tier = @{ Source = 'revenue'; Transform = 'Trim', { param($value, $record) if ([decimal]$value -gt 100000) { 'Gold:' + $record.name } else { 'Standard' } } }
                        Fail = @{ Source = 'name'; Transform = { param($value) throw 'no way' } }
                    } } } }
        $x | Convert-CrmRecord $map -ErrorAction SilentlyContinue -ErrorVariable e | Should -BeNullOrEmpty
        $e[0] | Get-CrmTestErrorId | Should -Be 'RecordTransformFailed'
        $map.Entities.Account.Fields.Remove('Fail')
        ($x | Convert-CrmRecord $map).Tier | Should -Be 'Gold:acme'

        Set-Content ./code.psd1 '@{ Entities = @{ A = @{ Fields = @{ X = @{ Transform = { param($value) $value } } } } } }'
        { [CrmMigration.CrmRecord]::new('A') | Convert-CrmRecord -Mapping ./code.psd1 } | Should -Throw -ErrorId 'MappingNotData,*'
        { [CrmMigration.CrmRecord]::new('A') | Convert-CrmRecord -Mapping @{ Entities = @{ A = @{ Fields = @{ X = @{ Value = { 1 } } } } } } } |
            Should -Throw -ErrorId 'MappingScriptBlockNotSupported,*'
    }

    It '-IncludeRejected puts the mapping''s rejects and filtered records into the import''s books and ledger, reported once' {
        New-CrmSampleData ./legacy.db -Seed 11 -Scale 500 | Out-Null
        $map = @{ Entities = @{ Contact = @{ Source = 'contacts'; Key = 'Id'
                    Where = @( @{ Field = 'country'; NotIn = 'CN'; Reason = 'NotOurMarket' } )
                    Fields = @{ Id = 'contact_id'; LastName = @{ Source = 'last_name'; Required = $true }; Country = 'country' } } } }
        $import = Export-CrmData ./legacy.db -Entity contacts |
            Convert-CrmRecord -Mapping $map -IncludeRejected -SummaryVariable conv -ErrorVariable convErrors -ErrorAction SilentlyContinue |
            Import-CrmData ./new.db -Create -ErrorVariable importErrors -ErrorAction SilentlyContinue

        $conv = $conv[0]
        $conv.Read | Should -Be 500
        $conv.Rejected | Should -BeGreaterThan 0
        $conv.Filtered | Should -BeGreaterThan 0
        $import.Read | Should -Be $conv.Read
        $import.Rejected | Should -Be $conv.Rejected
        $import.Filtered | Should -Be $conv.Filtered
        $import.Inserted | Should -Be ($conv.Read - $conv.Rejected - $conv.Filtered)
        $convErrors.Count | Should -Be $conv.Rejected      # each mapping reject reported once, by Convert-CrmRecord
        $importErrors.Count | Should -Be 0                # and not again by Import-CrmData
        @(Get-CrmMigrationRecord -StatePath ./new.db.crm-ledger.sqlite -ReasonCode RecordRequiredFieldMissing).Count | Should -Be $conv.Rejected
        @(Get-CrmMigrationRecord -StatePath ./new.db.crm-ledger.sqlite -Outcome Filtered).Count | Should -Be $conv.Filtered
    }
}

Describe 'Convert-CrmRecord: the cleansing fast paths give what the general paths give' {
    BeforeAll {
        # Names in every case, with letters that change and letters that cannot; dates of the fast path's shape, and not.
        $script:Csv = New-CrmTestCsv -Path (Join-Path $TestDrive 'fast/people.csv') -Line @(
            'Id,Name,Born'
            "1,jean-luc O'BRIEN 3rd,2019-03-05"
            '2,ÉLODIE  müller-łukasz,2020-02-29'
            '3,王 小明,2021-12-31'
            '4,ǆungla ǅ ǈ zoë,2019-02-30'
            '5,Łukasz García,2019-3-5'
            '6,İSTANBUL ıi ß,0000-01-01'
            '7,x,2019-13-01'
        )
        function Convert-Fixture([string] $Format, [string] $Out) {
            $map = @{ Entities = @{ Person = @{ Source = 'people'; Key = 'Id'; Fields = [ordered]@{
                Id = 'Id'; Name = @{ Source = 'Name'; Transform = 'Title' }; Born = @{ Source = 'Born'; Transform = 'Date'; Format = $Format } } } } }
            Export-CrmData -LiteralPath $script:Csv.FullName | Convert-CrmRecord -Mapping $map -IncludeRejected -ErrorAction SilentlyContinue -ErrorVariable bad |
                Import-CrmData -LiteralPath $Out -NoLedger -RejectPath (Join-Path (Split-Path $Out) 'rejects') -ErrorAction SilentlyContinue | Out-Null
            @($bad | ForEach-Object FullyQualifiedErrorId)
        }
    }

    It 'reads yyyy-MM-dd (the fast path) exactly as the same format written so that .NET parses it (the general path)' {
        $fastErrors = Convert-Fixture 'yyyy-MM-dd' (Join-Path $TestDrive 'fast/a/Person.csv')
        $slowErrors = Convert-Fixture "yyyy'-'MM'-'dd" (Join-Path $TestDrive 'fast/b/Person.csv')
        $fast = [IO.File]::ReadAllBytes((Join-Path $TestDrive 'fast/a/Person.csv'))
        [IO.File]::ReadAllBytes((Join-Path $TestDrive 'fast/b/Person.csv')) | Should -Be $fast
        $fastErrors | Should -Be $slowErrors
        # Rows 4 (30 February), 5 (not the fast path's shape), 6 (year 0) and 7 (month 13) are rejected by both.
        @($fastErrors | Where-Object { $_ -like 'RecordInvalidDate*' }).Count | Should -Be 4
        @(Import-Csv -LiteralPath (Join-Path $TestDrive 'fast/a/Person.csv')).Id | Should -Be @('1', '2', '3')
    }

    It 'title-cases as the invariant case tables say, letter by letter' {
        $rows = @(Export-CrmData -LiteralPath $script:Csv.FullName | Convert-CrmRecord -Mapping @{ Entities = @{ Person = @{ Source = 'people'; Key = 'Id'; Fields = @{ Id = 'Id'; Name = @{ Source = 'Name'; Transform = 'Title' } } } } })
        $source = @(Import-Csv -LiteralPath $script:Csv.FullName)
        for ($i = 0; $i -lt $source.Count; $i++) {
            # The general rule, in PowerShell: a letter after a non-letter, non-digit starts a word.
            $start = $true
            $expected = -join @(foreach ($c in $source[$i].Name.ToCharArray()) {
                    if ([char]::IsLetter($c)) { if ($start) { [char]::ToUpperInvariant($c) } else { [char]::ToLowerInvariant($c) }; $start = $false }
                    else { $c; $start = -not [char]::IsDigit($c) }
                })
            $rows[$i].Name | Should -BeExactly $expected
        }
        $rows[0].Name | Should -BeExactly "Jean-Luc O'Brien 3rd"
        $rows[2].Name | Should -BeExactly '王 小明'
    }
}
