BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'New-CrmMapping' {
    BeforeEach { Push-Location (New-CrmTestFolder); New-CrmTestMappingSchema }
    AfterEach { Pop-Location }

    It 'drafts a mapping (.psd1 or .json) that loads and converts, with TODOs for what it cannot match' {
        $file = New-CrmMapping -Source ./src -Target ./tgt -Path ./map.psd1
        $file | Should -BeOfType [System.IO.FileInfo]
        $file.Name | Should -Be 'map.psd1'
        { New-CrmMapping ./src ./tgt -Path ./map.psd1 } | Should -Throw -ErrorId 'MappingFileExists,*'
        New-CrmMapping ./src ./tgt -Path ./map.json | Out-Null

        $a = @(Export-CrmData ./src -Entity contacts | Convert-CrmRecord ./map.psd1)
        $b = @(Export-CrmData ./src -Entity contacts | Convert-CrmRecord ./map.json)
        $a.Count | Should -Be 2
        $a[0].Id | Should -BeOfType [long]
        $a[0].Email | Should -Be 'wei@qq.com'
        $a[0].Phone | Should -Be '138 0013 8000'
        $a[1].Born.ToString('yyyy-MM-dd') | Should -Be '1990-01-02'
        $b[1].FullName | Should -Be 'Ann Lee'

        $text = Get-Content -Raw ./map.psd1
        $text | Should -Match ([regex]::Escape("Id = @{ Source = 'id'; Type = 'Integer' }"))
        $text | Should -Match ([regex]::Escape("Email = @{ Source = 'e_mail' }"))
        $text | Should -Match ([regex]::Escape("Phone = @{ Source = 'tel' }"))
        $text | Should -Match ([regex]::Escape("# TODO: no source field matches 'Segment'"))
        $text | Should -Match ([regex]::Escape('# Source fields no target field reads: fax'))
        $text | Should -Match ([regex]::Escape("# TODO: no source entity matches the target entity 'Account'"))
    }

    It '-WhatIf writes no file; without -Path the draft is printed' {
        New-CrmMapping ./src ./tgt -Path ./other.psd1 -WhatIf
        './other.psd1' | Should -Not -Exist
        $printed = @(New-CrmMapping ./src ./tgt)
        $printed.Count | Should -Be 1
        $printed[0] | Should -BeOfType [string]
        $printed[0] | Should -Match "Source = 'contacts'"
    }
}
