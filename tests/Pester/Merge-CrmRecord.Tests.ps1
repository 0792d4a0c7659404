# Merge-CrmRecord: duplicates found by the shipped rules on the sample's planted duplicates (precision and recall
# against its truth table), merged records counted and kept in the ledger's crosswalk, children re-pointed to the
# survivor in SQLite, PostgreSQL and MariaDB, the review file round trip, decisions remembered, matching against an
# existing target, and bad rules stopped before any record is read.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule
    $script:Root = Get-CrmTestRepoRoot
    $script:Map = Join-Path $script:Root 'examples/legacy-to-new.psd1'
    $script:Rules = Join-Path $script:Root 'examples/legacy-dedupe.psd1'
    $script:Legacy = Join-Path $TestDrive 'legacy.db'
    $script:Sample = New-CrmSampleData $script:Legacy -Seed 11 -Scale 3000

    function Get-PairSet([string[][]] $Groups) {
        # Order-free 'a|b' pairs of every group.
        $set = [Collections.Generic.HashSet[string]]::new()
        foreach ($g in $Groups) {
            for ($i = 0; $i -lt $g.Count; $i++) {
                for ($j = $i + 1; $j -lt $g.Count; $j++) {
                    $a = $g[$i]; $b = $g[$j]
                    if ([string]::CompareOrdinal($a, $b) -gt 0) { $a, $b = $b, $a }
                    [void]$set.Add("$a|$b")
                }
            }
        }
        , $set
    }

    function Get-TruthGroups([string] $SourceEntity, [Collections.Generic.HashSet[string]] $Present) {
        # The truth table's groups (an original and its duplicates), among the records that reached the dedupe.
        $byOriginal = @{}
        foreach ($t in Import-Csv $script:Sample.TruthPath | Where-Object Entity -eq $SourceEntity) {
            if (-not ($Present.Contains($t.Key) -and $Present.Contains($t.DuplicateOf))) { continue }
            if (-not $byOriginal.ContainsKey($t.DuplicateOf)) { $byOriginal[$t.DuplicateOf] = [Collections.Generic.List[string]]::new(); $byOriginal[$t.DuplicateOf].Add($t.DuplicateOf) }
            $byOriginal[$t.DuplicateOf].Add($t.Key)
        }
        , @($byOriginal.Values | ForEach-Object { , $_.ToArray() })
    }

    function Get-Converted {
        Export-CrmData $script:Legacy -Entity accounts, contacts, opportunities | Convert-CrmRecord -Mapping $script:Map -ErrorAction SilentlyContinue
    }
}

Describe 'Merge-CrmRecord in the pipeline' {
    BeforeAll {
        $script:Converted = @(Get-Converted)
        $script:Present = [Collections.Generic.HashSet[string]]::new([string[]]@($script:Converted | ForEach-Object { "$($_.Key)" }))
        $script:Groups = @($script:Converted | Merge-CrmRecord -Rules $script:Rules -PassThru -SummaryVariable groupSummary)
        $script:GroupSummary = $groupSummary
        $script:New = Join-Path $TestDrive 'new.db'
        $script:Imported = @($script:Converted | Merge-CrmRecord -Rules $script:Rules -SummaryVariable dedupe -WarningAction SilentlyContinue |
                Import-CrmData $script:New -Create -ErrorAction SilentlyContinue)
        $script:Dedupe = $dedupe
    }

    It 'finds the planted duplicates with precision >= 0.95 and recall >= 0.90 (<Entity>)' -ForEach @(
        @{ Entity = 'Contact'; Source = 'contacts' }, @{ Entity = 'Account'; Source = 'accounts' }
    ) {
        $truth = Get-PairSet (Get-TruthGroups $Source $script:Present)
        $found = Get-PairSet @($script:Groups | Where-Object Entity -eq $Entity | ForEach-Object { , [string[]]$_.Members })
        $truth.Count | Should -BeGreaterThan 5
        $tp = @($found | Where-Object { $truth.Contains($_) }).Count
        $precision = $tp / [Math]::Max(1, $found.Count)
        $recall = $tp / $truth.Count
        Write-Host ("    {0}: {1} true pairs, {2} found, precision {3:N3}, recall {4:N3}" -f $Entity, $truth.Count, $found.Count, $precision, $recall)
        $precision | Should -BeGreaterOrEqual 0.95
        $recall | Should -BeGreaterOrEqual 0.90
    }

    It 'sends every record on once and balances the books: read = imported + merged + rejected' {
        foreach ($s in $script:Imported) { $s.Balanced | Should -BeTrue }
        $contact = $script:Imported | Where-Object Entity -eq 'Contact'
        $merge = $script:Dedupe | Where-Object Entity -eq 'Contact'
        $contact.Merged | Should -Be $merge.Merged
        $contact.Merged | Should -BeGreaterThan 20
        $contact.Read | Should -Be $merge.Read
        $merge.Read | Should -Be ($merge.Unique + $merge.Survivors + $merge.TargetUpdates + $merge.Merged + $merge.Decided)
        $merge.CandidatePairs | Should -BeLessThan ($merge.AllPairs / 100)
        $merge.ReductionRatio | Should -BeGreaterThan 0.99
        (Invoke-CrmTestSql -Kind Sqlite -Database $script:New -Sql 'SELECT COUNT(*) FROM Contact') | Should -Be $contact.Inserted
    }

    It 'records every merged key with its survivor in the ledger' {
        $merged = @(Get-CrmMigrationRecord $script:New -Entity Contact -Outcome Merged)
        $merged.Count | Should -Be ($script:Imported | Where-Object Entity -eq 'Contact').Merged
        $survivors = @{}
        foreach ($g in $script:Groups | Where-Object Entity -eq 'Contact') { foreach ($m in $g.Merged) { $survivors[$m] = $g.Survivor } }
        foreach ($m in $merged) {
            $m.ReasonCode | Should -Be 'Duplicate'
            $m.Message | Should -Match 'Merged into .*score'
            $m.TargetKey | Should -Be $survivors[$m.SourceKey]
        }
        # The survivors are in the target; the merged keys are not.
        $inTarget = @(Invoke-CrmTestSql -Kind Sqlite -Database $script:New -Sql "SELECT Id FROM Contact WHERE Id IN ('$(($merged.SourceKey) -join "','")')")
        $inTarget.Count | Should -Be 0
    }

    It 'points the children of merged accounts at the survivor' {
        $accountGroups = @($script:Groups | Where-Object Entity -eq 'Account')
        $accountGroups.Count | Should -BeGreaterThan 0
        $mergedAccounts = @($accountGroups | ForEach-Object Merged)
        $children = @($script:Converted | Where-Object { $_.Entity -eq 'Opportunity' -and $mergedAccounts -contains $_.AccountId })
        $children.Count | Should -BeGreaterThan 0
        foreach ($c in $children) {
            $survivor = ($accountGroups | Where-Object { $_.Merged -contains $c.AccountId }).Survivor
            Invoke-CrmTestSql -Kind Sqlite -Database $script:New -Sql "SELECT AccountId FROM Opportunity WHERE Id = '$($c.Key)'" | Should -Be $survivor
        }
        Invoke-CrmTestSql -Kind Sqlite -Database $script:New -Sql "SELECT COUNT(*) FROM Contact WHERE AccountId IN ('$($mergedAccounts -join "','")')" | Should -Be 0
    }

    It 'passes Test-CrmMigration: merged keys and the survivors merged values are explained, nothing fails' {
        $checks = @(Test-CrmMigration -Source $script:Legacy -Target $script:New -Mapping $script:Map -Entity accounts, contacts, opportunities)
        @($checks | Where-Object Status -eq 'Fail') | Should -BeNullOrEmpty
        ($checks | Where-Object { $_.Entity -like 'contacts*' -and $_.Check -eq 'MissingKeys' }).Details | Should -Match 'Merged=\d+'
        ($checks | Where-Object { $_.Entity -like 'contacts*' -and $_.Check -eq 'FieldValues' }).Details | Should -Match 'survivor\(s\) of merges'
    }

    It 'explains each merge: survivor and why, pair scores by comparator, each field''s winning value' {
        $g = $script:Groups | Where-Object { $_.Entity -eq 'Contact' -and ($_.Fields | Where-Object Changed) } | Select-Object -First 1
        $g.SurvivorReason | Should -Match 'most filled fields'
        $g.Members[0] | Should -Be $g.Survivor
        $g.Pairs.Count | Should -BeGreaterThan 0
        $p = $g.Pairs[0]
        @($p.Contributions.Field) | Should -Be @('Name', 'Email', 'Phone', 'City')
        [Math]::Round(($p.Contributions | Measure-Object Contribution -Sum).Sum, 2) | Should -Be ([Math]::Round($p.Score, 2))
        ($g.Fields | Where-Object Changed | Select-Object -First 1).FromKey | Should -BeIn $g.Members
        $explained = @($script:Converted | Where-Object { $_.Entity -eq 'Contact' } | Merge-CrmRecord -Rules $script:Rules -Explain -WarningAction SilentlyContinue |
                Where-Object { "$($_.Key)" -eq $g.Survivor })
        $explained.Count | Should -Be 1
        @($explained[0].Changes | Where-Object Transform -like 'Merge:*').Count | Should -BeGreaterThan 0
        $mergedOut = @($script:Converted | Where-Object { $_.Entity -eq 'Contact' } | Merge-CrmRecord -Rules $script:Rules -WarningAction SilentlyContinue |
                Where-Object { $_.Decided })
        $mergedOut[0].Decided.Outcome | Should -Be 'Merged'
        $mergedOut[0].Decided.MergedInto | Should -Not -BeNullOrEmpty
    }
}

Describe 'Children re-pointed in database targets' -ForEach @(@{ Kind = 'PostgreSql' }, @{ Kind = 'MySql' }) {
    BeforeAll {
        $script:Db = New-CrmTestDatabase -Kind $Kind
        $script:DbLedger = Join-Path $TestDrive "$Kind.crm-ledger.sqlite"
        $script:Summaries = @(Get-Converted | Merge-CrmRecord -Rules $script:Rules -SummaryVariable dbDedupe -WarningAction SilentlyContinue |
                Import-CrmData -Connection $script:Db.Connection -Create -StatePath $script:DbLedger -ErrorAction SilentlyContinue)
        $script:DbDedupe = $dbDedupe
    }
    AfterAll { $script:Db | Remove-CrmTestDatabase }

    It 'merges in <Kind> and writes the children of merged accounts with the survivor''s key' {
        foreach ($s in $script:Summaries) { $s.Balanced | Should -BeTrue }
        ($script:Summaries | Where-Object Entity -eq 'Account').Merged | Should -BeGreaterThan 0
        $merged = @(Get-CrmMigrationRecord -StatePath $script:DbLedger -Entity Account -Outcome Merged)
        $merged.Count | Should -Be ($script:Summaries | Where-Object Entity -eq 'Account').Merged
        $q = if ($Kind -eq 'PostgreSql') { '"' } else { '`' }
        $keys = "'" + ($merged.SourceKey -join "','") + "'"
        Invoke-CrmTestSql -Kind $Kind -Database $script:Db -Sql "SELECT COUNT(*) FROM ${q}Opportunity${q} WHERE ${q}AccountId${q} IN ($keys)" | Should -Be 0
        Invoke-CrmTestSql -Kind $Kind -Database $script:Db -Sql "SELECT COUNT(*) FROM ${q}Account${q} WHERE ${q}Id${q} IN ($keys)" | Should -Be 0
        $survivorKeys = "'" + (($merged.TargetKey | Sort-Object -Unique) -join "','") + "'"
        [int](Invoke-CrmTestSql -Kind $Kind -Database $script:Db -Sql "SELECT COUNT(*) FROM ${q}Opportunity${q} WHERE ${q}AccountId${q} IN ($survivorKeys)") | Should -BeGreaterThan 0
    }
}

Describe 'The review file and people''s decisions' {
    BeforeAll {
        $script:Contacts = @(Get-Converted | Where-Object Entity -eq 'Contact')
        $script:Ledger = Join-Path $TestDrive 'decisions.crm-ledger.sqlite'
    }

    It 'writes the grey-zone pairs to <Format>, applies the decisions given back, and remembers them' -ForEach @(
        @{ Format = 'csv'; Path = 'review-csv'; File = 'review-csv/Contact.csv' }, @{ Format = 'xlsx'; Path = 'review.xlsx'; File = 'review.xlsx' }
    ) {
        $review = Join-Path $TestDrive $Path
        $ledger = Join-Path $TestDrive "decisions-$Format.sqlite"
        $first = @($script:Contacts | Merge-CrmRecord -Rules $script:Rules -ReviewPath $review -StatePath $ledger -PassThru -SummaryVariable s1 -WarningAction SilentlyContinue)
        $s1.ReviewPairs | Should -BeGreaterThan 2
        $rows = if ($Format -eq 'csv') { @(Import-Csv (Join-Path $TestDrive $File)) } else { @(Export-CrmData (Join-Path $TestDrive $File) -Entity Contact) }
        $rows.Count | Should -Be $s1.ReviewPairs
        $rows[0].Decision | Should -BeNullOrEmpty
        $rows[0].'A.FirstName' | Should -Not -BeNullOrEmpty
        [double]$rows[0].Score | Should -BeGreaterOrEqual 0.55
        $rows[0].'Contribution.Email' | Should -Not -BeNullOrEmpty

        # A person decides: the first pair is one customer, the second two customers.
        $yes = $rows[0]; $no = $rows[1]
        if ($Format -eq 'csv') {
            $edited = foreach ($r in $rows) { if ($r.KeyA -eq $yes.KeyA -and $r.KeyB -eq $yes.KeyB) { $r.Decision = 'Match' } elseif ($r.KeyA -eq $no.KeyA -and $r.KeyB -eq $no.KeyB) { $r.Decision = 'NoMatch' }; $r }
            $edited | Export-Csv (Join-Path $TestDrive $File) -NoTypeInformation -Encoding utf8
        }
        else {
            $decided = foreach ($r in $rows) {
                $d = [ordered]@{ Decision = $null; Entity = $r.Entity; KeyA = $r.KeyA; KeyB = $r.KeyB }
                if ($r.KeyA -eq $yes.KeyA -and $r.KeyB -eq $yes.KeyB) { $d.Decision = 'Match' } elseif ($r.KeyA -eq $no.KeyA -and $r.KeyB -eq $no.KeyB) { $d.Decision = 'NoMatch' }
                [pscustomobject]$d
            }
            Remove-Item (Join-Path $TestDrive $File), (Join-Path $TestDrive "$File-metadata.json") -ErrorAction Ignore
            $decided | Import-CrmData (Join-Path $TestDrive $File) -Entity Contact -NoLedger | Out-Null
        }

        $second = @($script:Contacts | Merge-CrmRecord -Rules $script:Rules -Decisions (Join-Path $TestDrive $File) -StatePath $ledger -ReviewPath $review -PassThru -SummaryVariable s2 -WarningAction SilentlyContinue)
        $s2.HumanDecisions | Should -Be 2
        $together = $second | Where-Object { $_.Members -contains $yes.KeyA -and $_.Members -contains $yes.KeyB }
        $together | Should -Not -BeNullOrEmpty
        ($together.Pairs | Where-Object Decision -eq 'HumanMatch') | Should -Not -BeNullOrEmpty
        $second | Where-Object { $_.Members -contains $no.KeyA -and $_.Members -contains $no.KeyB } | Should -BeNullOrEmpty
        $s2.ReviewPairs | Should -BeLessThan $s1.ReviewPairs

        # A later run applies the remembered decisions without the file, deterministically.
        $third = @($script:Contacts | Merge-CrmRecord -Rules $script:Rules -StatePath $ledger -PassThru -SummaryVariable s3 -WarningAction SilentlyContinue)
        $s3.HumanDecisions | Should -Be 2
        ($third | ForEach-Object { $_.Members -join ',' } | Sort-Object) | Should -Be ($second | ForEach-Object { $_.Members -join ',' } | Sort-Object)
    }

    It 'refuses a decision that is no known word, with the file and line' {
        $dir = Join-Path $TestDrive 'typo'
        New-CrmTestCsv -Path (Join-Path $dir 'Contact.csv') -Line 'Decision,Entity,KeyA,KeyB', 'Maybe,Contact,P0000001,P0000002' | Out-Null
        $err = $null
        try { $script:Contacts | Select-Object -First 3 | Merge-CrmRecord -Rules $script:Rules -Decisions $dir -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err | Get-CrmTestErrorId | Should -Be 'DedupeDecisionInvalid'
        $err.Exception.Message | Should -Match 'Contact.csv:2'
    }

    It 'does not overwrite a review file holding decisions it was not given' {
        $dir = Join-Path $TestDrive 'filled'
        $script:Contacts | Merge-CrmRecord -Rules $script:Rules -ReviewPath $dir -WarningAction SilentlyContinue | Out-Null
        $rows = @(Import-Csv (Join-Path $dir 'Contact.csv'))
        $rows[0].Decision = 'NoMatch'
        $rows | Export-Csv (Join-Path $dir 'Contact.csv') -NoTypeInformation
        $err = $null
        try { $script:Contacts | Merge-CrmRecord -Rules $script:Rules -ReviewPath $dir -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err | Get-CrmTestErrorId | Should -Be 'DedupeReviewHasDecisions'
        (Import-Csv (Join-Path $dir 'Contact.csv'))[0].Decision | Should -Be 'NoMatch'
    }

    It 'writes nothing under -WhatIf' {
        $dir = Join-Path $TestDrive 'whatif-review'
        $out = @($script:Contacts | Merge-CrmRecord -Rules $script:Rules -ReviewPath $dir -WhatIf -WarningAction SilentlyContinue)
        $out.Count | Should -Be $script:Contacts.Count
        Test-Path $dir | Should -BeFalse
    }
}

Describe 'Matching against records already in the target' {
    It 'updates the existing record instead of inserting a duplicate, and maps the incoming key to it' {
        $target = Join-Path $TestDrive 'live.db'
        $shape = { param($id, $first, $last, $email, $phone) [ordered]@{ Id = $id; FirstName = $first; LastName = $last; Email = $email; Phone = $phone; Mobile = $null; City = 'Berlin'; Notes = $null } }
        @(
            [pscustomobject](& $shape 'N-1' 'Anna' 'Meyer' 'anna.meyer7@web.de' $null)
            [pscustomobject](& $shape 'N-2' 'Lee' 'Wang' 'lee.wang@qq.com' '13800138000')
        ) | Import-CrmData $target -Entity Contact -Key Id -Create | Out-Null
        $incoming = @(
            [pscustomobject](& $shape 'B-7' 'ANNA' 'MEYER' 'anna.meyer7@web.de' '+49 30 1234567')
            [pscustomobject](& $shape 'B-8' 'Omar' 'Haddad' 'omar@x.com' '15550001111')
        ) | Import-CrmData (Join-Path $TestDrive 'crm-b.db') -Entity Contact -Key Id -Create | Out-Null
        $summary = @(Export-CrmData (Join-Path $TestDrive 'crm-b.db') -Entity Contact | Merge-CrmRecord -Rules $script:Rules -Target $target -SummaryVariable live |
                Import-CrmData $target -Mode Upsert)
        # B-7 matches N-1: it updates N-1 (N-1 keeps its key and takes B-7's phone) instead of being inserted.
        $live.TargetUpdates | Should -Be 1
        $live.Read | Should -Be 2
        $live.Balanced | Should -BeTrue
        $summary[0].Read | Should -Be 2
        $summary[0].Updated | Should -Be 1
        $summary[0].Inserted | Should -Be 1
        $summary[0].Balanced | Should -BeTrue
        Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql 'SELECT COUNT(*) FROM Contact' | Should -Be 3
        Invoke-CrmTestSql -Kind Sqlite -Database $target -Sql "SELECT Phone FROM Contact WHERE Id = 'N-1'" | Should -Be '+49 30 1234567'
        $update = Get-CrmMigrationRecord $target -Entity Contact -Outcome Updated
        $update.SourceKey | Should -Be 'B-7'
        $update.TargetKey | Should -Be 'N-1'
    }
}

Describe 'Bad rules stop the command before any record is read' {
    BeforeAll {
        $script:Read = 0
        function Send-Counted { process { $script:Read++; $_ } }
        $script:Some = @(Get-Converted | Where-Object Entity -eq 'Contact' | Select-Object -First 5)
    }

    It 'stops with <Id> for <Case>' -ForEach @(
        @{ Case = 'an unknown comparator'; Id = 'DedupeRulesUnknownComparator'; Text = "@{ Entities = @{ Contact = @{ Fields = @{ Email = @{ Compare = 'Soundex' } }; Blocking = 'Email' } } }" }
        @{ Case = 'a threshold out of range'; Id = 'DedupeRulesThresholdOutOfRange'; Text = "@{ Entities = @{ Contact = @{ Fields = @{ Email = 'Email' }; Blocking = 'Email'; Thresholds = @{ Match = 1.2 } } } }" }
        @{ Case = 'Review above Match'; Id = 'DedupeRulesThresholdOutOfRange'; Text = "@{ Entities = @{ Contact = @{ Fields = @{ Email = 'Email' }; Blocking = 'Email'; Thresholds = @{ Match = 0.5; Review = 0.7 } } } }" }
        @{ Case = 'code in a .psd1'; Id = 'DedupeRulesNotData'; Text = "@{ Entities = @{ Contact = @{ Fields = @{ Email = `$(Get-Date) }; Blocking = 'Email' } } }" }
        @{ Case = 'a scriptblock in a .psd1'; Id = 'DedupeRulesNotData'; Text = "@{ Entities = @{ Contact = @{ Fields = @{ Email = { 'x' } }; Blocking = 'Email' } } }" }
        @{ Case = 'an unknown key'; Id = 'DedupeRulesUnknownKey'; Text = "@{ Entities = @{ Contact = @{ Fields = @{ Email = 'Email' }; Blocking = 'Email'; Treshold = 1 } } }" }
        @{ Case = 'blocking on a field it does not compare'; Id = 'DedupeRulesUnknownField'; Text = "@{ Entities = @{ Contact = @{ Fields = @{ Email = 'Email' }; Blocking = 'Zip' } } }" }
    ) {
        $file = Join-Path $TestDrive ("bad-" + [Guid]::NewGuid().ToString('N') + '.psd1')
        Set-Content -LiteralPath $file -Value $Text -Encoding utf8
        $script:Read = 0
        $err = $null
        try { $script:Some | Send-Counted | Merge-CrmRecord -Rules $file -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err | Get-CrmTestErrorId | Should -Be $Id
        $script:Read | Should -Be 0
    }

    It 'refuses code in a hashtable' {
        $err = $null
        try { $script:Some | Merge-CrmRecord -Rules @{ Entities = @{ Contact = @{ Fields = @{ Email = { 'x' } }; Blocking = 'Email' } } } -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err | Get-CrmTestErrorId | Should -Be 'DedupeRulesNotData'
    }

    It 'names a compared field the records lack' {
        $err = $null
        try { $script:Some | Merge-CrmRecord -Rules @{ Entities = @{ Contact = @{ Fields = @{ Zip = 'Exact' }; Blocking = 'Zip' } } } -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err | Get-CrmTestErrorId | Should -Be 'DedupeRulesUnknownSourceField'
    }
}
