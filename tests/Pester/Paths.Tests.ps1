# Paths the way the core cmdlets take them: relative to $PWD (not the process directory), ~ and PSDrives,
# wildcards on -Path that must name one item, -LiteralPath (PSPath, LP) for names with wildcard characters.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force
    Import-CrmTestModule
    $script:Dir = Join-Path $TestDrive 'paths'
    New-Item -ItemType Directory $script:Dir | Out-Null
    New-CrmSampleData -Path (Join-Path $script:Dir 'legacy.db') -Scale 20 -Force | Out-Null
    Copy-Item (Join-Path $script:Dir 'legacy.db') (Join-Path $script:Dir 'crm[2024].db')
}

Describe 'Relative paths, ~ and drives' {
    It 'resolves a relative path from the current location, not the process directory' {
        Push-Location $script:Dir
        try {
            [Environment]::CurrentDirectory | Should -Not -Be $script:Dir
            @(Export-CrmData ./legacy.db -Entity contacts).Count | Should -Be 20
            @(Export-CrmData -Path ./legacy.db -Entity contacts).Count | Should -Be 20
            $s = Export-CrmData ./legacy.db -Entity accounts | Import-CrmData -Path ./rel.db -Create
            $s.Inserted | Should -BeGreaterThan 0
            Test-Path (Join-Path $script:Dir 'rel.db') | Should -BeTrue
        }
        finally { Pop-Location }
    }

    It 'takes a PowerShell drive' {
        New-PSDrive -Name CrmPaths -PSProvider FileSystem -Root $script:Dir | Out-Null
        try {
            @(Export-CrmData -Path CrmPaths:/legacy.db -Entity contacts).Count | Should -Be 20
            (Get-CrmSchema CrmPaths:/legacy.db -Entity contacts).Name | Should -Be 'contacts'
            New-CrmSampleData -Path CrmPaths:/drive.db -Scale 5 | Out-Null
            Test-Path (Join-Path $script:Dir 'drive.db') | Should -BeTrue
        }
        finally { Remove-PSDrive CrmPaths }
    }

    It 'expands ~ to the home folder' {
        $name = 'crm-home-' + [Guid]::NewGuid().ToString('N') + '.db'
        $home_ = (Get-PSProvider FileSystem).Home
        try {
            New-CrmSampleData -Path "~/$name" -Scale 5 | Out-Null
            Test-Path (Join-Path $home_ $name) | Should -BeTrue
            @(Export-CrmData "~/$name" -Entity accounts).Count | Should -BeGreaterThan 0
        }
        finally { Remove-Item (Join-Path $home_ "$name*") -ErrorAction Ignore }
    }
}

Describe 'Wildcards and literal paths' {
    It '-Path with a wildcard that names one item reads it' {
        Push-Location $script:Dir
        try { @(Export-CrmData -Path ./leg*.db -Entity contacts).Count | Should -Be 20 }
        finally { Pop-Location }
    }

    It '-Path with a wildcard that names several items stops with PathAmbiguous' {
        { Export-CrmData -Path (Join-Path $script:Dir '*.db') -Entity contacts -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathAmbiguous,CrmMigration.Commands.ExportCrmDataCommand'
    }

    It '-Path with a wildcard that names nothing stops with PathNotFound' {
        { Get-CrmSchema -Path (Join-Path $script:Dir 'nothing*.db') -ErrorAction Stop } |
            Should -Throw -ErrorId 'PathNotFound,CrmMigration.Commands.GetCrmSchemaCommand'
    }

    It '-LiteralPath (and its aliases) takes a name with brackets as written' {
        $file = Join-Path $script:Dir 'crm[2024].db'
        @(Export-CrmData -LiteralPath $file -Entity contacts).Count | Should -Be 20
        @(Export-CrmData -LP $file -Entity contacts).Count | Should -Be 20
        (Get-CrmSchema -PSPath $file -Entity contacts).Name | Should -Be 'contacts'
        $s = Export-CrmData -LiteralPath $file -Entity accounts | Import-CrmData -LiteralPath (Join-Path $script:Dir 'out[1].db') -Create
        $s.Inserted | Should -BeGreaterThan 0
        Test-Path -LiteralPath (Join-Path $script:Dir 'out[1].db') | Should -BeTrue
    }

    It 'files piped from Get-ChildItem bind to -LiteralPath' {
        Push-Location $script:Dir
        try {
            Export-CrmArchive ./legacy.db -Destination ./bag1 -Zip | Out-Null
            Export-CrmArchive ./legacy.db -Destination ./bag2 -Zip | Out-Null
            $results = @(Get-ChildItem -Filter 'bag*.zip' | Test-CrmArchive -Quiet)
            $results | Should -Be @($true, $true)
        }
        finally { Pop-Location }
    }
}
