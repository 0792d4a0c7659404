BeforeAll { Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force; Import-CrmTestModule }

Describe 'Get-CrmSchema' {
    BeforeAll {
        Push-Location (New-CrmTestFolder)
        New-CrmSampleData ./legacy.db -Scale 50 | Out-Null
    }
    AfterAll { Pop-Location }

    It 'completes entity names with Tab: every entity of the system' {
        $s = 'Get-CrmSchema -Path ./legacy.db -Entity '
        $matches = (TabExpansion2 -inputScript $s -cursorColumn $s.Length).CompletionMatches.CompletionText
        $matches | Should -Be @('accounts', 'activities', 'cases', 'contacts', 'leads', 'opportunities')
    }
}
