# Copy-CrmData: the whole migration inside the engine.
BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

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
