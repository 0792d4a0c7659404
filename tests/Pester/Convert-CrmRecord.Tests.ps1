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
