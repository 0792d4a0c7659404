# Conventions every exported cmdlet follows, checked across all of them at once: the list comes from the
# manifest, so a new cmdlet cannot skip them.
BeforeDiscovery {
    $root = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
    $script:Exported = (Import-PowerShellDataFile (Join-Path $root 'CrmMigration.psd1')).CmdletsToExport
    $script:CmdletCases = @($script:Exported | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force
    Import-CrmTestModule
    $script:Common = [Collections.Generic.HashSet[string]]::new([string[]]@(
            [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters),
        [StringComparer]::OrdinalIgnoreCase)
    $script:Approved = [Collections.Generic.HashSet[string]]::new([string[]]@(Get-Verb | ForEach-Object Verb), [StringComparer]::OrdinalIgnoreCase)
    $script:Exported = (Import-PowerShellDataFile (Join-Path (Get-CrmTestRepoRoot) 'CrmMigration.psd1')).CmdletsToExport
    # Cmdlets that only read or build objects in memory. Every other cmdlet changes a system (files,
    # databases, access) and must support -WhatIf / -Confirm: a new cmdlet is a writer until listed here.
    $script:Readers = 'Convert-CrmRecord', 'Export-CrmData', 'Get-CrmMigrationRecord', 'Get-CrmMigrationRun', 'Get-CrmSchema',
        'New-CrmConnection', 'Test-CrmArchive', 'Test-CrmAuditLog', 'Test-CrmFile', 'Test-CrmMapping', 'Test-CrmMigration'
}

Describe 'The manifest' {
    It 'exports exactly the cmdlets the module implements, and at least one' {
        $module = Get-Module CrmMigration
        $script:Exported.Count | Should -BeGreaterThan 0
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($script:Exported | Sort-Object)
        $implemented = @([CrmMigration.Commands.CrmCmdlet].Assembly.GetTypes() |
                Where-Object { -not $_.IsAbstract -and [System.Management.Automation.Cmdlet].IsAssignableFrom($_) } |
                ForEach-Object { $a = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]; "$($a.VerbName)-$($a.NounName)" } |
                Sort-Object)
        $implemented | Should -Be @($script:Exported | Sort-Object)
    }
}

Describe '<Name>' -ForEach $script:CmdletCases {
    BeforeAll {
        $script:Cmd = Get-Command $Name -Module CrmMigration -CommandType Cmdlet
        $script:Attr = $script:Cmd.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
    }

    It 'uses an approved verb and a Crm noun' {
        $script:Approved.Contains($script:Cmd.Verb) | Should -BeTrue -Because "'$($script:Cmd.Verb)' must be an approved verb"
        $script:Cmd.Noun | Should -BeLikeExactly 'Crm*'
    }

    It 'declares its output types' {
        $script:Cmd.OutputType.Count | Should -BeGreaterThan 0
    }

    It 'supports -WhatIf and -Confirm when it changes a system' {
        if ($Name -notin $script:Readers) {
            $script:Attr.SupportsShouldProcess | Should -BeTrue
        }
        else {
            # A reader changes nothing, so its verb must not say otherwise.
            $script:Cmd.Verb | Should -BeIn @('Get', 'Test', 'Convert', 'New', 'Export', 'Measure', 'Find', 'Compare', 'Resolve', 'Show', 'Select')
        }
    }

    It 'is sealed, so the engine cannot be bypassed by a subclass' {
        $script:Cmd.ImplementingType.IsSealed | Should -BeTrue
    }

    It 'has help with a synopsis, at least two examples and every parameter described' {
        $help = Get-Help $Name -Full
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match '^\s*\w+-\w+ \[|\['
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($p in $script:Cmd.Parameters.Keys | Where-Object { -not $script:Common.Contains($_) }) {
            $text = ((Get-Help $Name -Parameter $p).description | ForEach-Object Text) -join ' '
            $text | Should -Not -BeNullOrEmpty -Because "-$p of $Name needs a description"
        }
    }

    It 'pairs -Path with -LiteralPath (aliases PSPath, LP) in separate parameter sets' {
        $params = $script:Cmd.Parameters
        if ($params.ContainsKey('Path') -and $params['Path'].ParameterType -in [string], [string[]]) {
            $params.ContainsKey('LiteralPath') | Should -BeTrue -Because "$Name has -Path, so it needs -LiteralPath"
            $params['LiteralPath'].Aliases | Should -Contain 'PSPath'
            $params['LiteralPath'].Aliases | Should -Contain 'LP'
            $pathSets = @($params['Path'].ParameterSets.Keys)
            $literalSets = @($params['LiteralPath'].ParameterSets.Keys)
            @($pathSets | Where-Object { $_ -in $literalSets -and $_ -ne '__AllParameterSets' }).Count | Should -Be 0
        }
    }
}

Describe 'about topics' {
    It 'are installed and name the cmdlets they explain' {
        "$(Get-Help about_CrmMigration)" | Should -Match 'Import-CrmData'
        "$(Get-Help about_CrmMigration_Mapping)" | Should -Match 'ValueMap'
        "$(Get-Help about_CrmMigration_Relations)" | Should -Match 'MissingParent'
    }
}
