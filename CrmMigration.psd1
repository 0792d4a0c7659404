@{
    # The module's version lives here and only here: the build reads it, stamps the assemblies with it
    # and lays the module out under out/CrmMigration/<version>/.
    ModuleVersion        = '0.1.0'
    GUID                 = '6f0b6a52-2d4e-4f0e-9a3c-2b1f6f3c8e41'
    RootModule           = 'CrmMigration.Commands.dll'
    # Public types load first so the types file can name the record adapter.
    RequiredAssemblies   = @('CrmMigration.dll')
    Author               = 'CrmMigration contributors'
    CompanyName          = 'CrmMigration'
    Copyright            = '(c) CrmMigration contributors. MIT licence.'
    Description          = 'Migrate CRM data between systems and decommission the old system with evidence an auditor can verify.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('CrmMigration.format.ps1xml')
    TypesToProcess       = @('CrmMigration.types.ps1xml')
    CmdletsToExport      = @(
        'Convert-CrmRecord'
        'Copy-CrmData'
        'Disable-CrmSystem'
        'Export-CrmArchive'
        'Export-CrmData'
        'Export-CrmReport'
        'Get-CrmMigrationRecord'
        'Get-CrmMigrationRun'
        'Get-CrmSchema'
        'Import-CrmData'
        'Merge-CrmRecord'
        'New-CrmConnection'
        'New-CrmMapping'
        'New-CrmMergeRule'
        'New-CrmSampleData'
        'Test-CrmArchive'
        'Test-CrmAuditLog'
        'Test-CrmFile'
        'Test-CrmMapping'
        'Test-CrmMigration'
        'Undo-CrmMigration'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('CRM', 'Migration', 'ETL', 'SQLite', 'PostgreSQL', 'MySQL', 'MariaDB', 'CSV', 'Excel',
                'SuiteCRM', 'Odoo', 'Decommission', 'BagIt', 'Audit', 'Linux', 'Windows', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            # A placeholder until the project has a public home; nothing resolves it.
            ProjectUri   = 'https://example.invalid/CrmMigration'
            ReleaseNotes = 'See docs/ in the source repository and Get-Help about_CrmMigration. The LICENSE file ships with the module.'
        }
    }
}
