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

Describe 'Test-CrmMapping' {
    BeforeEach { Push-Location (New-CrmTestFolder); New-CrmTestMappingSchema }
    AfterEach { Pop-Location }

    It 'stops with MappingDuplicateSource when one source is mapped twice into the same target entity: the mapping itself is wrong' {
        # (one source into several target entities is allowed: a denormalised export)
        $map = @{ Entities = @(
                @{ Name = 'Contact'; Source = 'contacts'; Fields = @{ Id = 'id' } }
                @{ Name = 'Contact'; Source = 'contacts'; Fields = @{ Email = 'email' } }
            ) }
        { Test-CrmMapping -Mapping $map -Source ./src -Target ./tgt } | Should -Throw -ErrorId 'MappingDuplicateSource,*'
    }

    It 'reports one finding per problem, and -Quiet says whether there is any Error' {
        $map = @{ Entities = [ordered]@{
                Contact = @{ Source = 'contacts'; Key = 'Id'; Where = @{ Field = 'state'; Equals = 'A' }; Fields = [ordered]@{
                        Id      = @{ Source = 'id'; Type = 'Date' }
                        Email   = 'email'
                        Born    = 'born'
                        Nope    = 'status'
                        Segment = @{ Source = 'status'; Reference = 'Segments' }
                    } }
                Ghost   = @{ Source = 'ghosts'; Fields = @{ X = 'x' } }
            } }
        $findings = @(Test-CrmMapping -Mapping $map -Source ./src -Target ./tgt)
        $findings | ForEach-Object { $_ | Should -BeOfType CrmMigration.CrmMappingFinding }
        $lines = $findings | ForEach-Object { '{0} {1} {2} {3}' -f $_.Severity, $_.Code, $_.Entity, $_.Field }
        $lines | Should -Contain 'Error UnknownSourceField Contact Email'
        $lines | Should -Contain 'Error UnknownSourceField Contact state'
        $lines | Should -Contain 'Warning TypeClash Contact Born'
        $lines | Should -Contain 'Error UnknownTargetField Contact Nope'
        $lines | Should -Contain 'Error TypeClash Contact Id'
        $lines | Should -Contain 'Warning UnknownReference Contact Segment'
        $lines | Should -Contain 'Error UnknownSourceEntity Ghost '
        $lines | Should -Contain 'Warning UnknownTargetEntity Ghost '
        Test-CrmMapping -Mapping $map -Source ./src -Target ./tgt -Quiet | Should -BeFalse

        $ok = @{ Entities = @{ Account = @{ Source = 'contacts'; Fields = [ordered]@{ AccountCode = 'id'; Name = 'full_name' } } } }
        Test-CrmMapping -Mapping $ok -Source ./src -Target ./tgt -Quiet | Should -BeTrue

        $missing = @{ Entities = @{ Account = @{ Source = 'contacts'; Fields = @{ Name = 'full_name' } } } }
        Test-CrmMapping -Mapping $missing -Source ./src -Target ./tgt | ForEach-Object { '{0} {1} {2} {3}' -f $_.Severity, $_.Code, $_.Entity, $_.Field } |
            Should -Be @('Error UnmappedRequiredField Account AccountCode')
    }
}
