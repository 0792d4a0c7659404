# New-CrmMergeRule: a draft of dedupe rules from a schema that Merge-CrmRecord reads and that finds duplicates.
BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'New-CrmMergeRule' {
    BeforeAll {
        $script:Legacy = Join-Path $TestDrive 'legacy.db'
        $script:Sample = New-CrmSampleData $script:Legacy -Seed 5 -Scale 1500
    }

    It 'drafts rules for people and companies from the field names, and leaves the rest out' {
        $text = New-CrmMergeRule $script:Legacy
        $text | Should -Match "'contacts' = @\{"
        $text | Should -Match "Source = 'first_name', 'last_name'; Normalize = 'Name'; Compare = 'TokenSet'"
        $text | Should -Match "Source = 'phone', 'mobile'; Compare = 'Phone'"
        $text | Should -Match "Normalize = 'Company'"
        $text | Should -Match "Survivor     = @\{ Rule = 'Oldest'; By = 'created_at' \}"
        $text | Should -Match 'Not drafted .*activities'
        $text | Should -Not -Match "'opportunities' = @\{"
    }

    It 'writes a file Merge-CrmRecord reads and that finds the planted duplicates' {
        $file = Join-Path $TestDrive 'draft.psd1'
        $written = New-CrmMergeRule $script:Legacy -Entity contacts -Path $file
        $written.FullName | Should -Be $file
        $groups = @(Export-CrmData $script:Legacy -Entity contacts | Merge-CrmRecord -Rules $file -PassThru -WarningAction SilentlyContinue)
        $groups.Count | Should -BeGreaterThan ($script:Sample.Duplicates['contacts'] / 2)
        $truth = @{}
        foreach ($t in Import-Csv $script:Sample.TruthPath) { $truth["$($t.Key)|$($t.DuplicateOf)"] = 1; $truth["$($t.DuplicateOf)|$($t.Key)"] = 1 }
        $ok = @($groups | Where-Object { $m = $_.Members; $truth.ContainsKey("$($m[0])|$($m[1])") -or (Import-Csv $script:Sample.TruthPath | Where-Object { $_.Key -in $m -and $_.DuplicateOf -in $m }) })
        ($ok.Count / $groups.Count) | Should -BeGreaterThan 0.9
    }

    It 'refuses to overwrite a file without -Force, and writes nothing under -WhatIf' {
        $file = Join-Path $TestDrive 'exists.psd1'
        Set-Content -LiteralPath $file -Value '# mine'
        $err = $null
        try { New-CrmMergeRule $script:Legacy -LiteralPath $file -ErrorAction Stop } catch { $err = $_ }
        $err | Get-CrmTestErrorId | Should -Be 'DedupeRulesFileExists'
        Get-Content -LiteralPath $file | Should -Be '# mine'
        New-CrmMergeRule $script:Legacy -Path (Join-Path $TestDrive 'whatif.psd1') -WhatIf
        Test-Path (Join-Path $TestDrive 'whatif.psd1') | Should -BeFalse
    }
}
