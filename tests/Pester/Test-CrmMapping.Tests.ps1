BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Test-CrmMapping' {
    BeforeEach { Push-Location (New-CrmTestFolder); New-CrmTestMappingSchema }
    AfterEach { Pop-Location }

    It 'stops with MappingDuplicateSource when two entities read the same source: the mapping itself is wrong' {
        $map = @{ Entities = [ordered]@{
                Contact = @{ Source = 'contacts'; Key = 'Id'; Fields = [ordered]@{ Id = @{ Source = 'id'; Type = 'Integer' } } }
                Account = @{ Source = 'contacts'; Fields = @{ Name = 'full_name' } }
            } }
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
