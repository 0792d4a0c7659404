BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Test-CrmMapping against a target that does not exist yet' {
    BeforeAll {
        $script:Csv = New-CrmTestCsv -Path (Join-Path $TestDrive 'src/contacts.csv') -Line @('Id,Name,Email', '1,Ann,ann@example.com')
        $script:Map = @{ Entities = @{ Person = @{ Source = 'contacts'; Key = 'Id'; Fields = @{ Id = 'Id'; FullName = 'Name'; Mail = 'Email' } } } }
    }

    It 'checks the mapping as -Create would make the target, without creating anything' {
        $target = Join-Path $TestDrive 'not-yet.db'
        $findings = @(Test-CrmMapping -Mapping $script:Map -Source $script:Csv.FullName -Target $target -Verbose 4>&1)
        $verbose = @($findings | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $found = @($findings | Where-Object { $_ -is [CrmMigration.CrmMappingFinding] })
        @($found | Where-Object Severity -eq 'Error') | Should -HaveCount 0
        @($found | ForEach-Object Code) | Should -Be @('UnknownTargetEntity')
        $verbose[-1].Message | Should -BeLike '*does not exist yet*-Create*'
        Test-CrmMapping -Mapping $script:Map -Source $script:Csv.FullName -Target $target -Quiet | Should -BeTrue
        Test-Path $target | Should -BeFalse
    }

    It 'still finds a source field the mapping misreads' {
        $bad = @{ Entities = @{ Person = @{ Source = 'contacts'; Key = 'Id'; Fields = @{ Id = 'Id'; FullName = 'Nmae' } } } }
        $found = @(Test-CrmMapping -Mapping $bad -Source $script:Csv.FullName -Target (Join-Path $TestDrive 'none.db'))
        @($found | Where-Object Severity -eq 'Error' | ForEach-Object Code) | Should -Be @('UnknownSourceField')
        Test-CrmMapping -Mapping $bad -Source $script:Csv.FullName -Target (Join-Path $TestDrive 'none.db') -Quiet | Should -BeFalse
    }
}
